package dev.tether.api;

/**
 * What WTSSendMessage answers.
 *
 * @param response OK (a client acknowledged), TIMEOUT (the timeout passed first) or ASYNC (not waited for)
 * @param responseCode IDOK 1, IDTIMEOUT 32000 or IDASYNC 32001
 * @param clients how many clients were shown the message
 */
public record MessageResult(long messageId, String response, int responseCode, int clients) {
    public static final int IDOK = 1;
    public static final int IDTIMEOUT = 32000;
    public static final int IDASYNC = 32001;
}
