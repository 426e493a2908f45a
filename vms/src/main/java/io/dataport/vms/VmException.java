package io.dataport.vms;

/**
 * Why the VM demo cannot go on: one line naming what is wrong and, where there is one, the fix (a
 * missing prerequisite, a guest that did not boot, a check that failed). The command prints the
 * message, never a stack trace (unless {@code --debug}), and exits 1 (2 for bad usage).
 */
public class VmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VmException(String message) {
        super(message);
    }

    public VmException(String message, Throwable cause) {
        super(message, cause);
    }
}
