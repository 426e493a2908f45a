package io.dataport.mesh.cli;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The perf protocol, an iperf3-like test over one mesh link (record types of the packets):
 * <pre>
 * client                                  server
 *   START  testId, length, interval  -->
 *                                    <--  ACK     testId
 *   DATA   testId, seq, check, body  -->  (t seconds of them; each one verified)
 *                                    <--  INTERVAL every interval: what arrived, lost, out of order
 *   END    testId, packets, bytes    -->
 *                                    <--  INTERVAL (the last, partial one), RESULT (the totals)
 * </pre>
 * A DATA packet: {@code [0, 8)} testId, {@code [8, 16)} seq (0, 1, 2, ... per test),
 * {@code [16, 24)} check, {@code [24, length)} body (random bytes, fixed per test). The check is
 * {@code mix(testId ^ mix(seq)) ^ crc32c(body)}: the receiver copies the packet out of the ring,
 * recomputes the CRC-32C of the body it got and compares, so a damaged body, sequence number or
 * test id is a checksum error. Little-endian throughout.
 */
final class Perf {
    static final int START = 1;
    static final int ACK = 2;
    static final int DATA = 3;
    static final int END = 4;
    static final int INTERVAL = 5;
    static final int RESULT = 6;

    /** Bytes of the DATA header: the smallest packet perf sends. */
    static final int DATA_HEADER = 24;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private Perf() {
    }

    static boolean isServerType(int type) {
        return type == START || type == DATA || type == END;
    }

    static boolean isClientType(int type) {
        return type == ACK || type == INTERVAL || type == RESULT;
    }

    /** SplitMix64's finaliser: a 64-bit bijection that spreads every input bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long check(long testId, long seq, long bodyCrc) {
        return mix(testId ^ mix(seq + 0x9e3779b97f4a7c15L)) ^ bodyCrc;
    }

    static long crc(CRC32C crc, byte[] bytes, int offset, int length) {
        crc.reset();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }

    static long getLong(byte[] b, int offset) {
        return (long) LONGS.get(b, offset);
    }

    static void putLong(byte[] b, int offset, long value) {
        LONGS.set(b, offset, value);
    }

    static int getInt(byte[] b, int offset) {
        return (int) INTS.get(b, offset);
    }

    static void putInt(byte[] b, int offset, int value) {
        INTS.set(b, offset, value);
    }

    static byte[] start(long testId, int length, long intervalNanos) {
        byte[] b = new byte[24];
        putLong(b, 0, testId);
        putInt(b, 8, length);
        putLong(b, 16, intervalNanos);
        return b;
    }

    static byte[] ack(long testId) {
        byte[] b = new byte[8];
        putLong(b, 0, testId);
        return b;
    }

    static byte[] end(long testId, long packets, long bytes) {
        byte[] b = new byte[24];
        putLong(b, 0, testId);
        putLong(b, 8, packets);
        putLong(b, 16, bytes);
        return b;
    }

    /**
     * What the server measured over [start, end) nanoseconds after it got START: one interval
     * (type INTERVAL) or the whole test (type RESULT, index -1).
     */
    record Report(int type, long testId, int index, long startNanos, long endNanos, long packets, long bytes,
                  long lost, long outOfOrder, long errors) {
        static final int LENGTH = 80;

        byte[] encode() {
            byte[] b = new byte[LENGTH];
            putLong(b, 0, testId);
            putInt(b, 8, index);
            putLong(b, 16, startNanos);
            putLong(b, 24, endNanos);
            putLong(b, 32, packets);
            putLong(b, 40, bytes);
            putLong(b, 48, lost);
            putLong(b, 56, outOfOrder);
            putLong(b, 64, errors);
            return b;
        }

        static Report decode(int type, byte[] b) {
            if (type == ACK) {
                return new Report(ACK, getLong(b, 0), 0, 0, 0, 0, 0, 0, 0, 0);
            }
            if (b.length < LENGTH) {
                throw new IllegalArgumentException("a perf report of " + b.length + " bytes is too short");
            }
            return new Report(type, getLong(b, 0), getInt(b, 8), getLong(b, 16), getLong(b, 24), getLong(b, 32),
                    getLong(b, 40), getLong(b, 48), getLong(b, 56), getLong(b, 64));
        }

        double seconds() {
            return (endNanos - startNanos) / 1e9;
        }
    }
}
