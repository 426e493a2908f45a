package io.dataport.mesh.tun;

import java.nio.ByteBuffer;

/**
 * Layout of {@code struct virtio_net_hdr} (10 bytes, native byte order on a TUN device), which
 * precedes every packet read from or written to a TUN device opened with {@code IFF_VNET_HDR}. It
 * says whether the packet is a GSO super-packet (to be cut into {@code gso_size} segments by
 * whoever needs real segments) and whether its transport checksum is still to be filled in
 * ({@code csum_start}, {@code csum_offset}). The bridge carries it unchanged from one TUN device to
 * another; the receiving kernel checks it again ({@code virtio_net_hdr_to_skb}).
 */
final class VirtioNetHeader {
    static final int LENGTH = 10;

    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int HDR_LEN = 2;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;

    static final int F_NEEDS_CSUM = 1;
    static final int F_DATA_VALID = 2;

    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    static final int GSO_ECN = 0x80;

    private VirtioNetHeader() {
    }

    /**
     * Whether the header at {@code offset} is one the bridge passes on for a packet of
     * {@code packetLength} bytes after it: known flags, no GSO or TCP GSO with a segment size, and a
     * checksum position inside the packet. {@code buffer} must be in native byte order.
     */
    static boolean plausible(ByteBuffer buffer, int offset, int packetLength) {
        int flags = buffer.get(offset + FLAGS) & 0xff;
        int gso = buffer.get(offset + GSO_TYPE) & 0xff & ~GSO_ECN;
        if ((flags & ~(F_NEEDS_CSUM | F_DATA_VALID)) != 0) {
            return false;
        }
        if (gso != GSO_NONE && (gso != GSO_TCPV4 && gso != GSO_TCPV6
                || (buffer.getShort(offset + GSO_SIZE) & 0xffff) == 0)) {
            return false;
        }
        if ((flags & F_NEEDS_CSUM) != 0) {
            int start = buffer.getShort(offset + CSUM_START) & 0xffff;
            int at = buffer.getShort(offset + CSUM_OFFSET) & 0xffff;
            return start + at + 2 <= packetLength;
        }
        return true;
    }

    /** Whether the packet needs nothing of a device without offloads: no GSO, checksum complete. */
    static boolean plain(ByteBuffer buffer, int offset) {
        return (buffer.get(offset + FLAGS) & F_NEEDS_CSUM) == 0 && (buffer.get(offset + GSO_TYPE) & 0x7f) == GSO_NONE;
    }

    /** Writes an all-zero header: a plain packet with its checksums complete. */
    static void clear(ByteBuffer buffer, int offset) {
        buffer.putLong(offset, 0).putShort(offset + 8, (short) 0);
    }
}
