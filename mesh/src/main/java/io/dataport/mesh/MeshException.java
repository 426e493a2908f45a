package io.dataport.mesh;

import io.dataport.queue.DataportException;

/**
 * A node cannot join its mesh (bad configuration, files of another mesh or with other sizes, an
 * unusable directory, the node already running) or a link broke the mesh protocol. The message
 * names the node, the file or directory, and what to do.
 */
public class MeshException extends DataportException {
    private static final long serialVersionUID = 1L;

    public MeshException(String message) {
        super(message);
    }

    public MeshException(String message, Throwable cause) {
        super(message, cause);
    }
}
