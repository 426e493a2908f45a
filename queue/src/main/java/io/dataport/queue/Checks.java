package io.dataport.queue;

/** Argument checks shared by the record flyweights; each failure names the values involved. */
final class Checks {
    private Checks() {
    }

    /** Throws unless [offset, offset + size) lies within a record of {@code recordLength} bytes. */
    static void checkRange(int offset, int size, int recordLength) {
        if (offset < 0 || size < 0 || offset > recordLength - size) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + ((long) offset + size)
                    + ") is outside the record's " + recordLength + " bytes");
        }
    }

    /** Throws unless [offset, offset + length) lies within an array or buffer of {@code available} bytes. */
    static void checkSource(int offset, int length, int available) {
        if (offset < 0 || length < 0 || offset > available - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + ((long) offset + length)
                    + ") is outside the " + available + " bytes given");
        }
    }
}
