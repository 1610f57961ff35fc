package dev.tether.cli;

import dev.tether.api.Ids;
import dev.tether.api.ResultCode;
import dev.tether.api.TetherException;
import dev.tether.client.TetherClient;
import dev.tether.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where and as whom the CLI calls: {@code --server}, the token ({@code --token}, else
 * {@code TETHER_TOKEN}, else the one {@code tether login} saved for that server, else the default data
 * directory's {@code admin.token}) and the caller's own session ({@code TETHER_SESSION_ID}, set by
 * Tether inside every session).
 */
record Connection(URI server, String token, String tokenFrom, long ownSessionId) {
    static final String DEFAULT_SERVER = "http://127.0.0.1:" + ServerConfig.DEFAULT_PORT;

    /** A token and where it came from, in words ("--token", "TETHER_TOKEN", "the login saved in FILE", ...). */
    record Token(String value, String from) {
    }

    static Connection resolve(String serverOption, String tokenOption) {
        URI server = serverUri(serverOption);
        Token token = token(tokenOption, server);
        return new Connection(server, token.value(), token.from(), ownSession());
    }

    TetherClient open() {
        var builder = TetherClient.builder(server).token(token);
        if (ownSessionId > 0) {
            builder.ownSessionId(ownSessionId);
        }
        return builder.build();
    }

    /** A URL as is; {@code HOST} means {@code http://HOST:7420}; {@code HOST:PORT} means {@code http://HOST:PORT}. */
    static URI serverUri(String text) {
        String value = text == null || text.isBlank() ? DEFAULT_SERVER : text.strip();
        if (!value.contains("://")) {
            boolean hasPort = value.matches(".*:[0-9]+") && !value.startsWith("[") || value.matches("\\[.*\\]:[0-9]+");
            value = "http://" + value + (hasPort ? "" : ":" + ServerConfig.DEFAULT_PORT);
        }
        try {
            URI uri = new URI(value);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new URISyntaxException(value, "not an http:// or https:// URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER,
                    "--server " + text + " is not a server address (a URL like http://host:7420, or a host name)");
        }
    }

    static Token token(String option, URI server) {
        if (option != null && !option.isBlank()) {
            return new Token(option.strip(), "--token");
        }
        String env = System.getenv("TETHER_TOKEN");
        if (env != null && !env.isBlank()) {
            return new Token(env.strip(), "TETHER_TOKEN");
        }
        SavedTokens logins = SavedTokens.forUser();
        Optional<String> saved = logins.lookup(server);
        if (saved.isPresent()) {
            return new Token(saved.get(), "the login saved in " + logins.file());
        }
        Path file = ServerConfig.defaultDataDir().resolve("admin.token");
        if (Files.isReadable(file)) {
            try {
                String content = Files.readString(file).strip();
                if (!content.isEmpty()) {
                    return new Token(content, file.toString());
                }
            } catch (IOException e) {
                // unreadable after all: report below
            }
        }
        throw new TetherException(ResultCode.UNAUTHENTICATED,
                "no token for " + server + ": pass --token, set TETHER_TOKEN, run 'tether login --server " + server
                        + " --user NAME', or run as the user who can read " + file);
    }

    static long ownSession() {
        String value = System.getenv("TETHER_SESSION_ID");
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Ids.parse("session", value.strip());
        } catch (TetherException e) {
            throw new TetherException(ResultCode.INVALID_PARAMETER, "TETHER_SESSION_ID=" + value + " is not a session id");
        }
    }
}
