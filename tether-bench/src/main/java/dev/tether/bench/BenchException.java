package dev.tether.bench;

/** A bench run cannot go on; the message says why and, where there is one, what fixes it. */
class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
