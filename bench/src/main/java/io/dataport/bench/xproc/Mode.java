package io.dataport.bench.xproc;

/** How the consumer verifies each message: every system is measured in both modes. */
public enum Mode {
    /** Check the sequence number and the trailer word where the message lies (no copy the system does not force). */
    INPLACE("in-place"),
    /** Copy the whole payload into a private buffer and checksum it (what an untrusting user does). */
    COPY("copy-out");

    private final String label;

    Mode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Mode parse(String s) {
        for (Mode m : values()) {
            if (m.label.equals(s) || m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown consumer mode '" + s + "' (in-place or copy-out)");
    }
}
