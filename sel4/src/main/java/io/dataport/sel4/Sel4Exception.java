package io.dataport.sel4;

/** A failure of the seL4 demo, with a one-line message saying what failed and, where known, the fix. */
final class Sel4Exception extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Sel4Exception(String message) {
        super(message);
    }

    Sel4Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
