package io.dataport.mesh.tun;

import java.nio.ByteBuffer;

/**
 * Which mesh node owns an IPv4 address, and whether bytes are an IPv4 packet the bridge may pass
 * on. Node {@code id} owns {@code 198.18.0.(id + 1)} (RFC 2544's benchmarking range); nothing else
 * is routed.
 *
 * <p>How it decides: {@link #check} reads the version nibble (4, else {@link #NOT_IPV4}), needs the
 * 20-byte fixed header ({@link #TRUNCATED}), a header length (IHL) of at least 20 bytes and a total
 * length at least the header length ({@link #MALFORMED}) and at most the bytes there are
 * ({@link #TRUNCATED}: the packet was cut). {@link #route} then maps the destination to its owner:
 * an address outside {@code 198.18.0.1 .. 198.18.0.nodes} (another network, broadcast, multicast)
 * is {@link #UNKNOWN_DESTINATION}, this node's own address {@link #TO_SELF}. Why nothing goes to a
 * wrong node: the owner is computed from the destination by one total function that returns a node
 * id only for an address in the owned range, and the receiving bridge checks again, on its private
 * copy, that the destination is its own address ({@link #accept}) before it writes the packet.
 *
 * <p>Stateless and allocation-free; results are a node id ({@code >= 0}) or a negative reason.
 */
public final class Ipv4Router {
    /** 198.18.0.0: node {@code id} has {@code NETWORK + id + 1}. */
    public static final int NETWORK = (198 << 24) | (18 << 16);
    public static final int NOT_IPV4 = -1;
    public static final int MALFORMED = -2;
    public static final int TRUNCATED = -3;
    public static final int UNKNOWN_DESTINATION = -4;
    public static final int TO_SELF = -5;
    /** Received by a node that does not own the destination (a broken or hostile sender). */
    public static final int NOT_FOR_ME = -6;

    static final int MIN_HEADER = 20;
    private static final int DESTINATION = 16;

    private final int self;
    private final int nodes;

    public Ipv4Router(int self, int nodes) {
        if (nodes < 1 || nodes > 254 || self < 0 || self >= nodes) {
            throw new IllegalArgumentException("node " + self + " of " + nodes + ": 198.18.0.0/24 has room for 254 nodes");
        }
        this.self = self;
        this.nodes = nodes;
    }

    /** The address of node {@code id}, as an int (198.18.0.(id + 1)). */
    public static int address(int id) {
        return NETWORK + id + 1;
    }

    /** "198.18.0.(id + 1)". */
    public static String addressText(int id) {
        return format(address(id));
    }

    public static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    /** The node owning {@code address}, or {@link #UNKNOWN_DESTINATION}. */
    public int owner(int address) {
        int host = address - NETWORK - 1;
        return host >= 0 && host < nodes ? host : UNKNOWN_DESTINATION;
    }

    /**
     * Checks the IPv4 header of the {@code length} bytes at {@code offset}: returns the packet's
     * total length (its bytes without any trailing garbage), or a negative reason.
     */
    public static int check(ByteBuffer packet, int offset, int length) {
        if (length < 1) {
            return TRUNCATED;
        }
        int first = packet.get(offset) & 0xff;
        if (first >>> 4 != 4) {
            return NOT_IPV4;
        }
        if (length < MIN_HEADER) {
            return TRUNCATED;
        }
        int headerLength = (first & 0x0f) * 4;
        int totalLength = (packet.get(offset + 2) & 0xff) << 8 | packet.get(offset + 3) & 0xff;
        if (headerLength < MIN_HEADER || totalLength < headerLength) {
            return MALFORMED;
        }
        if (totalLength > length) {
            return TRUNCATED;
        }
        return totalLength;
    }

    /** The destination address of a checked packet. */
    public static int destination(ByteBuffer packet, int offset) {
        int at = offset + DESTINATION;
        return (packet.get(at) & 0xff) << 24 | (packet.get(at + 1) & 0xff) << 16 | (packet.get(at + 2) & 0xff) << 8
                | packet.get(at + 3) & 0xff;
    }

    /**
     * For a packet read from this node's TUN device: the node to send it to, or a negative reason
     * to drop it. Call {@link #check} first for its length.
     */
    public int route(ByteBuffer packet, int offset, int length) {
        int checked = check(packet, offset, length);
        if (checked < 0) {
            return checked;
        }
        int owner = owner(destination(packet, offset));
        if (owner == self) {
            return TO_SELF;
        }
        return owner;
    }

    /**
     * For a packet received from a peer, on this node's private copy: its total length if it is a
     * well-formed IPv4 packet of exactly {@code length} bytes for this node, else a negative reason.
     */
    public int accept(ByteBuffer packet, int offset, int length) {
        int checked = check(packet, offset, length);
        if (checked < 0) {
            return checked;
        }
        if (checked != length) {
            return MALFORMED; // a sending bridge trims every packet to its total length
        }
        return owner(destination(packet, offset)) == self ? checked : NOT_FOR_ME;
    }

    public int self() {
        return self;
    }

    public int nodes() {
        return nodes;
    }
}
