package io.dataport.mesh.tun;

import io.dataport.mesh.LinkStats;
import io.dataport.mesh.Node;
import java.io.PrintStream;
import java.util.Locale;

/**
 * What a {@link Bridge} did, per link and per drop reason. The outbound side (TUN to rings) is
 * written only by the bridge's TUN thread, the inbound side (rings to TUN) only by its ring thread;
 * plain fields, so a snapshot taken while the bridge runs may be a few packets apart (exact after
 * {@link Bridge#close()}).
 */
public final class BridgeCounters {
    /** Why a packet was dropped. */
    public enum Drop {
        NOT_IPV4("non-IPv4"),
        MALFORMED("malformed"),
        TRUNCATED("truncated"),
        UNKNOWN_DESTINATION("unknown destination"),
        TO_SELF("to self"),
        TOO_LONG("too long"),
        RING_FULL("ring full"),
        PEER_ABSENT("peer absent"),
        NOT_FOR_ME("not for this node"),
        BAD_RECORD_TYPE("bad record type"),
        BAD_VNET_HEADER("bad virtio-net header"),
        OFFLOAD_MISMATCH("offload mismatch"),
        TUN_WRITE_FAILED("TUN write failed");

        final String text;

        Drop(String text) {
            this.text = text;
        }

        /** The drop for a negative {@link Ipv4Router} result. */
        static Drop of(int reason) {
            return switch (reason) {
                case Ipv4Router.NOT_IPV4 -> NOT_IPV4;
                case Ipv4Router.TRUNCATED -> TRUNCATED;
                case Ipv4Router.UNKNOWN_DESTINATION -> UNKNOWN_DESTINATION;
                case Ipv4Router.TO_SELF -> TO_SELF;
                case Ipv4Router.NOT_FOR_ME -> NOT_FOR_ME;
                default -> MALFORMED;
            };
        }
    }

    private static final int REASONS = Drop.values().length;

    final long[] sentPackets;
    final long[] sentBytes;
    final long[] sentDrops;
    final long[] receivedPackets;
    final long[] receivedBytes;
    final long[] receivedDrops;
    /** Drops by reason: [0, REASONS) on the way out (TUN to ring), [REASONS, 2 REASONS) on the way in. */
    final long[] drops = new long[2 * REASONS];
    volatile int lastWriteErrno;

    BridgeCounters(int nodes) {
        sentPackets = new long[nodes];
        sentBytes = new long[nodes];
        sentDrops = new long[nodes];
        receivedPackets = new long[nodes];
        receivedBytes = new long[nodes];
        receivedDrops = new long[nodes];
    }

    /** TUN thread: a packet not sent; {@code peer} is -1 when it has none (dropped before routing). */
    void dropOut(Drop reason, int peer) {
        drops[reason.ordinal()]++;
        if (peer >= 0) {
            sentDrops[peer]++;
        }
    }

    /** Ring thread: a packet from {@code peer} not written to the TUN device. */
    void dropIn(Drop reason, int peer) {
        drops[REASONS + reason.ordinal()]++;
        receivedDrops[peer]++;
    }

    /** Packets dropped for {@code reason} on the way out (read from the TUN device, not sent). */
    public long droppedOut(Drop reason) {
        return drops[reason.ordinal()];
    }

    /** Packets dropped for {@code reason} on the way in (received from a peer, not written). */
    public long droppedIn(Drop reason) {
        return drops[REASONS + reason.ordinal()];
    }

    public long sentPackets(int peer) {
        return sentPackets[peer];
    }

    public long receivedPackets(int peer) {
        return receivedPackets[peer];
    }

    /**
     * Prints one line per link (packets and bytes the bridge moved, its drops, and the mesh's own
     * link counters: full events, kicks sent and suppressed), then the drops by reason.
     */
    public void print(Node node, PrintStream out) {
        out.printf("%-6s %12s %16s %9s %12s %11s %12s%n", "link", "packets", "bytes", "drops", "full events",
                "kicks sent", "suppressed");
        for (int peer = 0; peer < sentPackets.length; peer++) {
            if (peer == node.id()) {
                continue;
            }
            LinkStats out1 = node.outboundStats(peer);
            out.printf(Locale.ROOT, "%-6s %12d %16d %9d %12d %11d %12d%n", node.id() + "->" + peer, sentPackets[peer],
                    sentBytes[peer], sentDrops[peer], out1.fullEvents(), out1.kicksSent(), out1.kicksSuppressed());
            out.printf(Locale.ROOT, "%-6s %12d %16d %9d %12s %11s %12s%n", peer + "->" + node.id(),
                    receivedPackets[peer], receivedBytes[peer], receivedDrops[peer], "-", "-", "-");
        }
        StringBuilder line = new StringBuilder("drops out (TUN to ring):");
        append(line, 0);
        line.append("\ndrops in (ring to TUN):");
        append(line, REASONS);
        int errno = lastWriteErrno;
        if (errno != 0) {
            line.append(" (last TUN write error: errno ").append(errno).append(')');
        }
        out.println(line);
    }

    private void append(StringBuilder line, int base) {
        boolean any = false;
        for (Drop reason : Drop.values()) {
            long n = drops[base + reason.ordinal()];
            if (n != 0) {
                line.append(any ? ", " : " ").append(reason.text).append(' ').append(n);
                any = true;
            }
        }
        if (!any) {
            line.append(" none");
        }
    }
}
