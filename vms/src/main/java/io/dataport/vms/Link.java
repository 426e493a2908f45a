package io.dataport.vms;

/**
 * The kinds of link between two guests of the demo, and the guest's own loopback as a reference.
 * Each kind has its own interface in every guest and its own subnet in 198.18.0.0/15, so a test
 * names its link by the address it connects to, and the interfaces' byte counters prove which link
 * carried it ({@link VmLab#iperf}).
 */
enum Link {
    /** The Dataport TUN bridge over the pair's ivshmem region: {@code dp0}, 198.18.0.(vm+1). */
    DATAPORT("dataport"),
    /** virtio-net over a QEMU {@code stream} netdev on a Unix socket, one per pair, no offloads: 198.18.(10+pair).(vm+1). */
    SOCKET("virtio-socket"),
    /** virtio-net over a tap device with {@code vnet_hdr} on a host bridge (TSO): 198.18.20.(vm+1). */
    TAP("virtio-tap"),
    /** The guest's own loopback: a reference for its TCP stack, not a link. */
    LOOPBACK("loopback");

    final String label;

    Link(String label) {
        this.label = label;
    }

    /** The pairs of the full mesh, in order: pair p joins {@code PAIRS[p][0]} and {@code PAIRS[p][1]}. */
    static final int[][] PAIRS = {{0, 1}, {0, 2}, {1, 2}};

    static int pair(int a, int b) {
        int lo = Math.min(a, b);
        int hi = Math.max(a, b);
        for (int p = 0; p < PAIRS.length; p++) {
            if (PAIRS[p][0] == lo && PAIRS[p][1] == hi) {
                return p;
            }
        }
        throw new IllegalArgumentException("no pair " + a + "-" + b);
    }

    /** Guest {@code vm}'s interface for this link towards {@code peer}. */
    String device(int vm, int peer) {
        return switch (this) {
            case DATAPORT -> "dp0";
            case SOCKET -> "dps" + Math.min(vm, peer) + Math.max(vm, peer);
            case TAP -> "dptap";
            case LOOPBACK -> "lo";
        };
    }

    /** Guest {@code vm}'s address on this link towards {@code peer}. */
    String address(int vm, int peer) {
        return switch (this) {
            case DATAPORT -> "198.18.0." + (vm + 1);
            case SOCKET -> "198.18." + (10 + pair(vm, peer)) + "." + (vm + 1);
            case TAP -> "198.18.20." + (vm + 1);
            case LOOPBACK -> "127.0.0.1";
        };
    }
}
