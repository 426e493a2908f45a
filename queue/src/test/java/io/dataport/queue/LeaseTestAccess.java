package io.dataport.queue;

/** Lets a test make an end's lease beat now, as its keeper thread would. */
final class LeaseTestAccess {
    private LeaseTestAccess() {
    }

    static boolean beat(RingEnd end) {
        return end.leaseForTest().beat();
    }
}
