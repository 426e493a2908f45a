package io.dataport.queue;

/**
 * Pure helpers shared by {@link RingModel} and {@link RingLincheckTest}: the payload and type of the
 * record with a given sequence number, and the strings the operations return. No shared memory here;
 * the Lincheck model checker is told to ignore this class (its loops are not spin loops).
 */
final class Payloads {
    private Payloads() {
    }

    /** The payload of record number {@code seq}: different for every record and every lap. */
    static byte[] pattern(long seq, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seq * 131 + i * 7 + 1);
        }
        return bytes;
    }

    /** Bytes written into a claim that is then aborted: never to be delivered. */
    static byte[] garbage(int length) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) 0xEE);
        return bytes;
    }

    /** The type of record number {@code seq}. */
    static int typeOf(long seq) {
        return (int) (seq % 5);
    }

    /** FNV-1a over the payload. */
    static int hash(byte[] bytes) {
        int h = 0x811C9DC5;
        for (byte b : bytes) {
            h = (h ^ (b & 0xFF)) * 0x01000193;
        }
        return h;
    }

    static String describe(int length, int type, int hash) {
        return "[len " + length + " type " + type + " hash " + Integer.toHexString(hash) + "]";
    }

    /** What a poll returns: how many records, which ones, and where the consumer ended (relative to the start). */
    static String pollResult(int count, CharSequence records, long consumerPosition) {
        return count + " " + records + " @" + consumerPosition;
    }

    /** Little-endian bytes of a long, an int, for reassembling a payload read piecewise. */
    static void putLong(byte[] dst, int at, long value) {
        for (int i = 0; i < 8; i++) {
            dst[at + i] = (byte) (value >>> (8 * i));
        }
    }

    static void putInt(byte[] dst, int at, int value) {
        for (int i = 0; i < 4; i++) {
            dst[at + i] = (byte) (value >>> (8 * i));
        }
    }

    static long getLong(byte[] src, int at) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (src[at + i] & 0xFF);
        }
        return value;
    }

    static int getInt(byte[] src, int at) {
        int value = 0;
        for (int i = 3; i >= 0; i--) {
            value = (value << 8) | (src[at + i] & 0xFF);
        }
        return value;
    }
}
