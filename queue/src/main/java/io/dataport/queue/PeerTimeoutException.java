package io.dataport.queue;

/**
 * A blocking call waited as long as it was allowed and the peer did nothing: no record arrived, or
 * no room was freed. The message says whether the peer is still attached to the ring.
 */
public class PeerTimeoutException extends DataportException {
    private static final long serialVersionUID = 1L;

    public PeerTimeoutException(String message) {
        super(message);
    }
}
