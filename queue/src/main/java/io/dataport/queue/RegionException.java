package io.dataport.queue;

/**
 * A region cannot be mapped, formatted or attached to, or a role in it is held by a live peer; the
 * message names the region and the reason, and says what to do about it. A region whose directory
 * is corrupt or hostile gives this too: it is refused before any ring in it is touched.
 */
public class RegionException extends DataportException {
    private static final long serialVersionUID = 1L;

    public RegionException(String message) {
        super(message);
    }

    public RegionException(String message, Throwable cause) {
        super(message, cause);
    }
}
