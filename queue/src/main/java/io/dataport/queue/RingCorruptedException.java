package io.dataport.queue;

/**
 * The shared region holds something the protocol never produces: a position that moves backwards
 * or past the other side, a record header with an impossible length or type, a record that crosses
 * the end of the region or what the producer published. The peer is broken or hostile.
 *
 * <p>The side that sees it is poisoned: this call and every later call on it throw a
 * {@code RingCorruptedException} with the same message. Nothing outside the mapping was read or
 * written and no record beyond the last valid one was delivered.
 */
public class RingCorruptedException extends DataportException {
    private static final long serialVersionUID = 1L;

    public RingCorruptedException(String message) {
        super(message);
    }

    public RingCorruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
