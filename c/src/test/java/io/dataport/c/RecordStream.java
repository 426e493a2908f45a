package io.dataport.c;

import io.dataport.queue.ClaimedRecord;
import io.dataport.queue.RecordView;
import java.util.function.LongToIntFunction;

/**
 * The record stream of docs/c-interop.md, "The record stream": record {@code k} of stream {@code S}
 * in a ring whose max record length is {@code max}. The C side ({@code c/tools/dataport-peer.c})
 * generates and checks the same records; every value here is 64-bit unsigned, wrapping.
 */
final class RecordStream {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;
    private static final long K_MULTIPLIER = 0xD1B54A32D192ED03L;

    private RecordStream() {
    }

    /** {@code mix(x)}: the SplitMix64 step (the increment, then the finaliser). */
    static long mix(long x) {
        x += GOLDEN_GAMMA;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** {@code r = mix(S ^ (k * 0xD1B54A32D192ED03))}. */
    static long r(long stream, long k) {
        return mix(stream ^ (k * K_MULTIPLIER));
    }

    /** Record {@code k}'s payload length: 5% empty, 5% {@code max}, most small, some anything up to {@code max}. */
    static int length(long stream, long k, int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max record length " + max);
        }
        long r = r(stream, k);
        long c = Long.remainderUnsigned(r, 100);
        long length;
        if (c < 5) {
            length = 0;
        } else if (c < 10) {
            length = max;
        } else if (c < 70) {
            length = (r >>> 8) % 256;
        } else if (c < 95) {
            length = (r >>> 8) % 4096;
        } else {
            length = (r >>> 8) % (max + 1L);
        }
        return (int) Math.min(length, max);
    }

    /** Record {@code k}'s type: {@code (r >>> 40) mod 1000}. */
    static int type(long stream, long k) {
        return (int) ((r(stream, k) >>> 40) % 1000);
    }

    /**
     * The payload of record {@code k} with {@code length} bytes (the stream's length, or another one
     * the golden scenario chose) into {@code dst[0, length)}: byte {@code j} is byte {@code j & 7} (little-endian)
     * of {@code mix(r ^ (j >>> 3))}, except that bytes 0..7 hold {@code k} when {@code length >= 8}.
     */
    static void fill(long stream, long k, int length, byte[] dst) {
        if (length < 0 || length > dst.length) {
            throw new IllegalArgumentException("length " + length + " for a buffer of " + dst.length);
        }
        long r = r(stream, k);
        for (int word = 0; word * 8 < length; word++) {
            long w = word == 0 && length >= 8 ? k : mix(r ^ word);
            int end = Math.min(length, word * 8 + 8);
            for (int j = word * 8; j < end; j++) {
                dst[j] = (byte) (w >>> (8 * (j & 7)));
            }
        }
    }

    /** The payload of record {@code k} with {@code length} bytes, in a new array. */
    static byte[] payload(long stream, long k, int length) {
        byte[] b = new byte[length];
        fill(stream, k, length, b);
        return b;
    }

    /** Writes record {@code k}'s payload of {@code length} bytes (the claim's length) into a claimed record. */
    static void fill(long stream, long k, int length, ClaimedRecord record) {
        if (record.length() != length) {
            throw new IllegalArgumentException("the claim has " + record.length() + " bytes, the payload " + length);
        }
        record.putBytes(0, payload(stream, k, length), 0, length);
    }

    /**
     * What differs between {@code view} and record {@code k} of {@code stream}, in one line, or
     * null. {@code expectedLength} is the length it must have, or -1 for any length (the golden
     * scenario's {@code k mod 10 == 9} records); the payload is compared for the view's length.
     */
    static String difference(RecordView view, long stream, long k, int expectedLength) {
        int length = view.length();
        int type = view.type();
        if (expectedLength >= 0 && length != expectedLength) {
            return "record " + k + " of stream " + stream + ": length " + length + ", expected " + expectedLength
                    + " (type " + type + ", expected " + type(stream, k) + ")";
        }
        if (type != type(stream, k)) {
            return "record " + k + " of stream " + stream + ": type " + type + ", expected " + type(stream, k)
                    + " (length " + length + ")";
        }
        byte[] got = new byte[length];
        view.getBytes(0, got, 0, length);
        byte[] want = payload(stream, k, length);
        int at = java.util.Arrays.mismatch(got, want);
        if (at >= 0) {
            String hint = length >= 8 && at < 8
                    ? " (bytes 0..7 hold record number " + java.nio.ByteBuffer.wrap(got).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0) + ")"
                    : "";
            return "record " + k + " of stream " + stream + " (length " + length + ", type " + type + "): payload byte "
                    + at + " is 0x" + hex(got[at]) + ", expected 0x" + hex(want[at]) + hint;
        }
        return null;
    }

    private static String hex(byte b) {
        return String.format("%02x", b & 0xFF);
    }

    /**
     * Checks the records of one stream as they arrive: each must be record {@link #next()}; the
     * first difference is kept ({@link #problem()}) and thrown as an {@link AssertionError} from
     * {@link #check}, so a poll handler stops at it.
     */
    static final class Checker {
        private final long stream;
        private final LongToIntFunction expectedLength;
        private long next;
        private String problem;

        /** Records {@code start, start + 1, ...} of {@code stream} with the stream's lengths for {@code max}. */
        Checker(long stream, int max, long start) {
            this(stream, k -> length(stream, k, max), start);
        }

        /** With the lengths {@code expectedLength} gives (-1: any). */
        Checker(long stream, LongToIntFunction expectedLength, long start) {
            this.stream = stream;
            this.expectedLength = expectedLength;
            this.next = start;
        }

        /** Compares {@code view} with the next record; throws the first difference, one line. */
        void check(RecordView view) {
            if (problem != null) {
                throw new AssertionError(problem);
            }
            String d = difference(view, stream, next, expectedLength.applyAsInt(next));
            if (d != null) {
                problem = d;
                throw new AssertionError(d);
            }
            next++;
        }

        /** The number of the record expected next. */
        long next() {
            return next;
        }

        /** The first difference found, or null. */
        String problem() {
            return problem;
        }
    }
}
