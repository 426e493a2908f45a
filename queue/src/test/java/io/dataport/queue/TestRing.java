package io.dataport.queue;

import java.util.ArrayList;
import java.util.List;

/** An in-memory ring with both ends attached, and helpers to drain it, for single-process tests. */
final class TestRing {
    final RingConfig config;
    final SharedRing shared;
    final RingProducer producer;
    final RingConsumer consumer;

    TestRing(int capacity, int maxRecordLength) {
        this(new RingConfig(capacity, maxRecordLength), null);
    }

    TestRing(RingConfig config, SharedRing shared) {
        this.config = config;
        this.shared = shared != null ? shared : SharedRing.allocate(config, 0);
        this.producer = new RingProducer(this.shared, config, null);
        this.consumer = new RingConsumer(this.shared, config, null);
    }

    /** One record as the consumer saw it. */
    record Seen(int type, byte[] payload) {
    }

    /** Polls until empty, copying every record out. */
    List<Seen> drain() {
        List<Seen> seen = new ArrayList<>();
        while (consumer.poll(r -> {
            byte[] bytes = new byte[r.length()];
            r.getBytes(0, bytes, 0, bytes.length);
            seen.add(new Seen(r.type(), bytes));
        }, 1000) > 0) {
            // keep polling
        }
        return seen;
    }

    static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (seed * 31 + i * 7);
        }
        return bytes;
    }
}
