package io.dataport.queue;

/** The root of every exception this library throws because of a ring's state or a ring file. */
public class DataportException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataportException(String message) {
        super(message);
    }

    public DataportException(String message, Throwable cause) {
        super(message, cause);
    }
}
