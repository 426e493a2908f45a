package io.dataport.mesh.tun;

/**
 * Where a {@link Bridge} reads and writes IP packets: a {@link TunDevice}, or a fake in tests.
 * Packets are passed as raw addresses of native memory (direct buffers) so that nothing is
 * allocated per packet.
 */
public interface PacketDevice {
    /** Whether every packet starts with a {@link VirtioNetHeader} (offloads on). */
    boolean vnetHeader();

    /** Waits up to {@code timeoutMillis} for a packet; true when one can be read. */
    boolean awaitReadable(int timeoutMillis);

    /** Reads one packet into {@code address}; its length, or 0 when there is none now. */
    int read(long address, int capacity);

    /** Writes one packet; its length, or {@code -errno} when refused (counted as a drop). */
    int write(long address, int length);

    String name();
}
