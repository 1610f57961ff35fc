package dev.tether.api;


/**
 * The body of every error answer: {@code {"error": NAME, "code": NUMBER, "message": SENTENCE}},
 * where {@code code} is the Windows error code of the result code.
 */
public record ErrorBody(String error, int code, String message) {

    public static ErrorBody of(ResultCode code, String message) {
        return new ErrorBody(code.name(), code.windowsCode(), message);
    }
}
