package io.dataport.mesh;

/** Receives packets from {@link Node#poll(PacketHandler)}, one call per packet, in order per link. */
@FunctionalInterface
public interface PacketHandler {
    /**
     * Called once per packet. The packet view is valid only during this call (it reads the ring in
     * place). If this method throws, the packet counts as received, the round stops, and the
     * exception propagates from {@code poll}.
     */
    void onPacket(Packet packet);
}
