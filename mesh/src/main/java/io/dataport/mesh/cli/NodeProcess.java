package io.dataport.mesh.cli;

import io.dataport.mesh.MeshConfig;
import io.dataport.mesh.Node;
import io.dataport.mesh.Packet;
import io.dataport.mesh.PacketHandler;
import java.io.PrintStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A running node: the {@link Node}, its receiving thread (which serves perf tests and hands perf
 * reports to the perf client) and the perf server. Any thread may run a perf client through it.
 */
final class NodeProcess implements AutoCloseable {
    private final Node node;
    private final PerfServer server;
    private final BlockingQueue<Perf.Report>[] clientQueues;
    private final Thread receiver;
    private final PacketHandler dispatch = this::dispatch;
    private volatile boolean running = true;
    private volatile Throwable failure;

    @SuppressWarnings("unchecked")
    private NodeProcess(Node node, PrintStream serverLog) {
        this.node = node;
        this.server = new PerfServer(node, serverLog);
        this.clientQueues = new BlockingQueue[node.config().nodes()];
        for (int i = 0; i < clientQueues.length; i++) {
            clientQueues[i] = new LinkedBlockingQueue<>();
        }
        this.receiver = new Thread(this::receiveLoop, "node-" + node.id() + "-receiver");
        this.receiver.setDaemon(true);
    }

    /** Joins the mesh and starts receiving; {@code serverLog} gets the perf server's lines (or null). */
    static NodeProcess start(MeshConfig config, int id, PrintStream serverLog) {
        NodeProcess process = new NodeProcess(Node.join(config, id), serverLog);
        process.receiver.start();
        return process;
    }

    Node node() {
        return node;
    }

    BlockingQueue<Perf.Report> clientQueue(int peer) {
        return clientQueues[peer];
    }

    /** Throws if the receiving thread died (a corrupt ring, a broken peer). */
    void checkHealthy() {
        Throwable f = failure;
        if (f != null) {
            throw new IllegalStateException("node " + node.id() + " stopped receiving: " + f, f);
        }
    }

    private void receiveLoop() {
        try {
            while (running) {
                int n = node.poll(dispatch);
                long now = System.nanoTime();
                server.tick(now);
                if (n == 0 && running) {
                    node.idle(server.nanosToNextTick(now));
                }
            }
        } catch (Throwable t) {
            failure = t;
            if (running) {
                System.err.println("dataport: node " + node.id() + " stopped receiving: " + t);
                t.printStackTrace();
            }
        }
    }

    private void dispatch(Packet packet) {
        int type = packet.type();
        if (Perf.isServerType(type)) {
            server.onPacket(packet, System.nanoTime());
        } else if (Perf.isClientType(type)) {
            clientQueues[packet.from()].add(Perf.Report.decode(type, packet.toByteArray()));
        }
        // other types: application packets this command-line node has no use for
    }

    /** Stops the receiving thread (within the node's longest sleep, 50 ms) and leaves the mesh. */
    @Override
    public void close() {
        running = false;
        try {
            receiver.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!receiver.isAlive()) {
            node.close();
        }
    }
}
