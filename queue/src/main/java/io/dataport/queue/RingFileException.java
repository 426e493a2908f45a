package io.dataport.queue;

/** A ring file cannot be created, opened or attached to; the message names the file and the reason. */
public class RingFileException extends DataportException {
    private static final long serialVersionUID = 1L;

    public RingFileException(String message) {
        super(message);
    }

    public RingFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
