package dev.tether.api;

/**
 * The one status enum of Tether, used by the REST API, the CLI, the SDK and events.
 * Each code carries the HTTP status it maps to and the Windows error it corresponds to,
 * so tools written against the Windows management APIs can translate one to one.
 */
public enum ResultCode {
    OK(200, 0),
    /** ERROR_NOT_FOUND; as an HRESULT 0x80070490. */
    NOT_FOUND(404, 1168),
    ACCESS_DENIED(403, 5),
    INVALID_PARAMETER(400, 87),
    /** ERROR_INVALID_STATE: the target exists but is not in a state that allows the operation. */
    INVALID_STATE(409, 5023),
    /** The caller named its own session; ERROR_INVALID_OPERATION. */
    OWN_SESSION(409, 4317),
    /** ERROR_TIMEOUT. */
    TIMEOUT(504, 1460),
    /** RPC_S_SERVER_UNAVAILABLE. */
    SERVER_UNREACHABLE(503, 1722),
    /** ERROR_NOT_READY: the server answers but is not ready yet (it is starting); try again after Retry-After. */
    UNAVAILABLE(503, 21),
    /** ERROR_ALREADY_EXISTS. */
    CONFLICT(409, 183),
    /** ERROR_NOT_AUTHENTICATED: no or an unknown bearer token. */
    UNAUTHENTICATED(401, 1244),
    /** ERROR_INVALID_DATA: a body or frame larger than the documented limit. */
    TOO_LARGE(413, 13),
    /**
     * Too many requests from one caller for now (HTTP 429, with Retry-After); ERROR_RETRY 1237,
     * "the operation could not be completed; a retry should be performed".
     */
    RATE_LIMITED(429, 1237),
    /** ERROR_CANCELLED: the operation was abandoned, for example because the server stopped. */
    CANCELLED(503, 1223),
    /** ERROR_INTERNAL_ERROR: a fault in Tether itself; the message never carries internals. */
    INTERNAL(500, 1359);

    private final int httpStatus;
    private final int windowsCode;

    ResultCode(int httpStatus, int windowsCode) {
        this.httpStatus = httpStatus;
        this.windowsCode = windowsCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The Win32 error code ({@code 0} for {@link #OK}). */
    public int windowsCode() {
        return windowsCode;
    }

    /** The Win32 code as an HRESULT, FACILITY_WIN32: {@code 0x80070490} for {@link #NOT_FOUND}. */
    public int hresult() {
        return windowsCode == 0 ? 0 : 0x80070000 | (windowsCode & 0xFFFF);
    }

    public boolean isSuccess() {
        return this == OK;
    }
}
