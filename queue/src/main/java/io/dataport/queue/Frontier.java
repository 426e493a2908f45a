package io.dataport.queue;

import static io.dataport.queue.RingLayout.*;

/**
 * ScanForEnd ({@code spec/DataportRing.tla}): the producer's frontier, found by walking the
 * committed headers from a record boundary to the {@link RingLayout#END_MARKER end marker}. A
 * restarted producer (or a new lease holder) starts its tail there; {@link Region#status} shows it.
 *
 * <p>Why a bounded walk finds it: from the consumer position, or from the producer's hint when that
 * is later, only this lap's records and paddings follow, each header stored after the end marker
 * behind it, up to the end marker at the frontier, which lies within one capacity of the consumer
 * position. Each header is read once (acquire) and validated as the consumer validates it; the walk
 * never passes the consumer position + capacity, so it ends after at most capacity / 8 headers.
 * Read-only: it never writes.
 */
final class Frontier {
    private Frontier() {
    }

    /**
     * The frontier found from {@code from} (positions are non-negative 64-bit counters), or
     * {@code -1 - p} when the header at position {@code p} is neither a record, a padding nor the
     * end marker, or the records pass {@code consumer + capacity}.
     */
    static long find(SharedRing ring, RingConfig config, long from, long consumer) {
        int capacity = config.capacity();
        int mask = capacity - 1;
        int prefix = config.lapPrefix();
        long position = from;
        while (true) {
            int index = (int) position & mask;
            if (index < prefix) {
                position += prefix - index;                  // Skip: the lap prefix, no load
                index = prefix;
            }
            long header = ring.scanForEnd(index);
            if (isEndMarker(header)) {
                return position;
            }
            int size = committedSize(header, index, capacity, config.maxRecordLength());
            if (size < 0 || position + size + RECORD_HEADER_LENGTH - consumer > capacity) {
                return -1 - position;
            }
            position += size;
        }
    }

    /**
     * The bytes a committed record or padding whose header word is {@code header} occupies at data
     * {@code index}, or -1 when the word is neither (or it would cross the region end).
     */
    static int committedSize(long header, int index, int capacity, int maxRecordLength) {
        int length = headerLength(header);
        int type = headerType(header);
        int limit = type == PADDING_TYPE ? capacity - index - RECORD_HEADER_LENGTH
                : type >= 0 ? maxRecordLength : -1;
        if (length < 0 || length > limit) {
            return -1;
        }
        int size = recordSize(length);
        return size <= capacity - index ? size : -1;
    }
}
