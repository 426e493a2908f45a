package io.dataport.region.nativemap;

/**
 * The one exception this module throws when a region cannot be found or mapped: a missing or wrong
 * device, a bad offset or length, a failed system call, or a native library that cannot be loaded.
 * The message is one line that names the path and says what to do; after a failed system call it
 * carries the C library's text for the error ({@code strerror}) and {@link #errno()} its number.
 * No {@code UnsatisfiedLinkError} or JNA exception escapes the module's public methods.
 */
public final class RegionMapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public RegionMapException(String message) {
        this(message, 0, null);
    }

    public RegionMapException(String message, Throwable cause) {
        this(message, 0, cause);
    }

    RegionMapException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The {@code errno} of the system call that failed, or 0 if no system call failed. */
    public int errno() {
        return errno;
    }
}
