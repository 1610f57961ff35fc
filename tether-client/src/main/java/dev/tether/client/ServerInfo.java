package dev.tether.client;

import dev.tether.api.UserRecord;
import java.time.Instant;

/**
 * The server ({@code GET /server}) and who the caller is on it.
 *
 * @param name the server name shown in session records
 * @param url the server's own idea of its base URL
 * @param caller the user the token belongs to
 * @param sharedAccountSessions whether users who are not administrators may start sessions, which
 *     then run as the server's own account ({@code serve --shared-account-sessions})
 * @param lastEventId the last event the caller may see: where to follow events from now
 */
public record ServerInfo(String name, String version, String url, Instant startedAt, UserRecord caller,
                         boolean sharedAccountSessions, long lastEventId) {
}
