package dev.tether.client;

import dev.tether.core.UserRecord;
import java.time.Instant;

/**
 * The server ({@code GET /server}) and who the caller is on it.
 *
 * @param name the server name shown in session records
 * @param url the server's own idea of its base URL
 * @param caller the user the token belongs to
 */
public record ServerInfo(String name, String version, String url, Instant startedAt, UserRecord caller) {
}
