package dev.tether.cli;

import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Passwords for the CLI: read from the terminal without echo, or one line from stdin when stdin is not a
 * terminal (for scripts: {@code printf '%s\n' "$PW" | tether ...}). Never from a command-line argument,
 * where every user of the machine could read it in the process list.
 */
final class Passwords {
    /** The longest password the server accepts; a longer line is refused before it is sent. */
    static final int MAX_LENGTH = 1024;

    private Passwords() {
    }

    /** True when stdin is a terminal (a person can be asked), whatever stdout is. */
    static boolean stdinIsTerminal() {
        if (System.console() != null) {
            return true;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * One password: asked with {@code prompt} on a terminal, else the first line of stdin. An empty
     * answer is INVALID_PARAMETER naming {@code what}.
     */
    static char[] read(String prompt, String what, PrintWriter err) {
        char[] password = stdinIsTerminal() ? ask(prompt, err) : firstLineOfStdin();
        if (password == null || password.length == 0) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "no " + what + " was given"
                    + (stdinIsTerminal() ? "" : " (stdin was empty)") + "; nothing was changed");
        }
        return password;
    }

    /** A new password: asked twice on a terminal (they must match), read once from stdin. */
    static char[] readNew(String prompt, String what, PrintWriter err) {
        char[] first = read(prompt, what, err);
        if (!stdinIsTerminal()) {
            return first;
        }
        char[] again = read("Retype " + Character.toLowerCase(prompt.charAt(0)) + prompt.substring(1), what, err);
        try {
            if (!Arrays.equals(first, again)) {
                Arrays.fill(first, '\0');
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the two passwords do not match; nothing was changed");
            }
            return first;
        } finally {
            Arrays.fill(again, '\0');
        }
    }

    private static char[] ask(String prompt, PrintWriter err) {
        Console console = System.console();
        if (console != null) {
            return console.readPassword("%s", prompt);
        }
        // stdin is a terminal but stdout is not (tether ... > file): ask on stderr with echo off.
        err.print(prompt);
        err.flush();
        try (Terminal terminal = TerminalBuilder.builder().system(true).systemOutput(TerminalBuilder.SystemOutput.SysErr).build()) {
            Attributes saved = terminal.getAttributes();
            Attributes quiet = new Attributes(saved);
            quiet.setLocalFlag(LocalFlag.ECHO, false);
            terminal.setAttributes(quiet);
            try {
                return readLine(new FileInputStream(FileDescriptor.in));
            } finally {
                terminal.setAttributes(saved);
                err.println();
                err.flush();
            }
        } catch (IOException e) {
            throw new TetherException(ResultCode.INVALID_STATE, "cannot turn off echo to read the password: " + e.getMessage());
        }
    }

    private static char[] firstLineOfStdin() {
        try {
            return readLine(new FileInputStream(FileDescriptor.in));
        } catch (IOException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "cannot read the password from stdin: " + e.getMessage());
        }
    }

    /** Bytes up to the first newline (without it, and without a trailing CR), decoded as UTF-8; null at end of input. */
    static char[] readLine(InputStream in) throws IOException {
        var bytes = new ByteArrayOutputStream(64);
        int b;
        boolean any = false;
        while ((b = in.read()) >= 0 && b != '\n') {
            any = true;
            if (bytes.size() > MAX_LENGTH * 4) {
                throw new TetherException(ResultCode.INVALID_PARAMETER, "the password is longer than " + MAX_LENGTH + " characters");
            }
            bytes.write(b);
        }
        if (!any && b < 0) {
            return null;
        }
        byte[] raw = bytes.toByteArray();
        int length = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(raw, 0, length));
        char[] password = Arrays.copyOf(chars.array(), chars.limit());
        Arrays.fill(raw, (byte) 0);
        Arrays.fill(chars.array(), '\0');
        return password;
    }
}
