package dev.tether.core;

import dev.tether.api.NewSession;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Turns a {@link NewSession} into a program, arguments and environment, refusing what cannot start. */
final class Launcher {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
    private static final int MAX_ARGS = 1024;

    private final Map<String, String> serverEnv;

    Launcher(Map<String, String> serverEnv) {
        this.serverEnv = serverEnv;
    }

    String home() {
        return serverEnv.getOrDefault("HOME", System.getProperty("user.home"));
    }

    /** The program and arguments; the server user's login shell (as a login shell) by default. */
    List<String> argv(NewSession request) {
        List<String> argv = command(request, loginShell());
        requireRunnable(argv.getFirst());
        return argv;
    }

    /**
     * The program and arguments of a log-on of the Linux account {@code account}: its login shell
     * (from /etc/passwd; the keeper finds the program in the account's PATH) by default.
     */
    List<String> argvAs(String account, NewSession request) {
        return command(request, passwdField(account, 6).filter(s -> !s.isBlank()).orElse("/bin/sh"));
    }

    /** The request's command and arguments, or {@code shell} as a login shell ({@code -l}) when it names none. */
    private static List<String> command(NewSession request, String shell) {
        var argv = new ArrayList<String>();
        if (request.command() == null || request.command().isBlank()) {
            argv.add(shell); // NewSession refuses arguments without a command
            argv.add("-l");
        } else {
            argv.add(request.command());
            argv.addAll(request.args());
        }
        if (argv.size() > MAX_ARGS) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "more than " + MAX_ARGS + " arguments");
        }
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "an argument contains a NUL character");
            }
        }
        return List.copyOf(argv);
    }

    /**
     * What a log-on's environment takes from the server: TERM, the locale and time zone, the
     * caller's extras and Tether's variables; HOME, USER, LOGNAME, SHELL and PATH are the keeper's
     * to set, from the account.
     */
    Map<String, String> environmentOfLogOn(long sessionId, String serverUrl, Map<String, String> extra) {
        var env = new LinkedHashMap<String, String>();
        for (String keep : List.of("LANG", "LC_ALL", "TZ")) {
            if (serverEnv.containsKey(keep)) {
                env.put(keep, serverEnv.get(keep));
            }
        }
        env.put("TERM", "xterm-256color");
        env.putAll(extra);
        env.put("TETHER_SESSION_ID", Long.toString(sessionId));
        env.put("TETHER_SERVER", serverUrl);
        return env;
    }

    /** The session's complete environment: a clean base, Tether's variables, then the caller's extras. */
    Map<String, String> environment(long sessionId, String serverUrl, Map<String, String> extra) {
        var env = new LinkedHashMap<String, String>();
        env.put("PATH", serverEnv.getOrDefault("PATH", DEFAULT_PATH));
        env.put("HOME", home());
        String user = serverEnv.getOrDefault("USER", System.getProperty("user.name"));
        env.put("USER", user);
        env.put("LOGNAME", user);
        env.put("SHELL", loginShell());
        env.putAll(environmentOfLogOn(sessionId, serverUrl, extra));
        return env;
    }

    static Map<String, String> checkEnvironment(Map<String, String> extra) {
        for (var e : extra.entrySet()) {
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "'" + e.getKey() + "' is not a valid environment variable name");
            }
            if (e.getKey().startsWith("TETHER_")) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the environment variable " + e.getKey() + " is set by Tether and cannot be given");
            }
            if (e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the environment variable " + e.getKey() + " has no value or contains NUL");
            }
        }
        return extra;
    }

    String loginShell() {
        String shell = serverEnv.get("SHELL");
        if (shell != null && Files.isExecutable(Path.of(shell))) {
            return shell;
        }
        return passwdField(System.getProperty("user.name"), 6).filter(s -> Files.isExecutable(Path.of(s))).orElse("/bin/sh");
    }

    /** Field {@code index} of the account's line in /etc/passwd, if it has one there. */
    private static java.util.Optional<String> passwdField(String account, int index) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":", -1);
                if (f.length > index && f[0].equals(account)) {
                    return java.util.Optional.of(f[index]);
                }
            }
        } catch (IOException e) {
            // none
        }
        return java.util.Optional.empty();
    }

    private void requireRunnable(String program) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            if (!Files.isRegularFile(p)) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "cannot start " + program + ": no such file");
            }
            if (!Files.isExecutable(p)) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "cannot start " + program + ": not executable");
            }
            return;
        }
        for (String dir : serverEnv.getOrDefault("PATH", DEFAULT_PATH).split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return;
            }
        }
        throw new TetherException(ResultCode.INVALID_PARAMETER, "cannot start " + program + ": no such program in PATH");
    }
}
