package io.dataport.mesh;

/**
 * Counters of one link (one direction between two nodes), seen from one end, since that end's node
 * joined. A snapshot read without synchronisation: each number is exact, the set may be a few
 * packets apart.
 *
 * @param from            sending node
 * @param to              receiving node
 * @param packets         packets sent (outbound) or received (inbound)
 * @param bytes           packet bytes (without the mesh and ring headers)
 * @param fullEvents      sends that found the ring full and had to wait or give up (outbound)
 * @param kicksSent       publications after which the sleeping receiver's doorbell was rung (outbound)
 * @param kicksSuppressed publications after which no kick was needed: the receiver was awake (outbound)
 * @param kickFailures    kicks that could not be delivered: the receiver's doorbell was gone (outbound)
 * @param sleeps          times the receiving node slept on its doorbell with this link empty (inbound)
 */
public record LinkStats(int from, int to, long packets, long bytes, long fullEvents, long kicksSent,
                        long kicksSuppressed, long kickFailures, long sleeps) {
}
