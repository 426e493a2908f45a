package io.dataport.queue;

/** The two roles of a ring, with the offsets of their lease and heartbeat words in the ring header page. */
enum Role {
    PRODUCER(RingLayout.PRODUCER_LEASE_OFFSET, RingLayout.PRODUCER_HEARTBEAT_OFFSET),
    CONSUMER(RingLayout.CONSUMER_LEASE_OFFSET, RingLayout.CONSUMER_HEARTBEAT_OFFSET);

    final int leaseOffset;
    final int heartbeatOffset;

    Role(int leaseOffset, int heartbeatOffset) {
        this.leaseOffset = leaseOffset;
        this.heartbeatOffset = heartbeatOffset;
    }

    Role peer() {
        return this == PRODUCER ? CONSUMER : PRODUCER;
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
