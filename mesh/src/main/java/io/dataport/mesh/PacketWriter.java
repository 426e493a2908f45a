package io.dataport.mesh;

/** Writes a packet's bytes in place into a link's ring, for the zero-copy sends of {@link Node}. */
@FunctionalInterface
public interface PacketWriter {
    /** Writes the packet; called once, while the claim is open. If it throws, nothing is sent. */
    void write(OutgoingPacket packet);
}
