package io.dataport.mesh.cli;

import io.dataport.mesh.MeshConfig;
import io.dataport.mesh.Node;
import io.dataport.mesh.tun.Bridge;
import io.dataport.mesh.tun.Ipv4Router;
import io.dataport.mesh.tun.TunDevice;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ./dataport bridge --id N}: attaches to a TUN device, joins the mesh as node N and bridges
 * the two until SIGTERM or Ctrl-C, then prints its counters. Output: one {@code ready ...} line when
 * it runs, the counters when it stops.
 */
final class BridgeCommand {
    static final String DEFAULT_DEVICE = "dp0";
    static final int DEFAULT_MTU = 1500;
    /** The default largest mesh packet for bridges: a virtio-net header and a 64 KiB IPv4 packet. */
    static final int DEFAULT_MAX_PACKET = (Bridge.MAX_RECORD + 15) & -16;
    private static final Set<String> VALUES;

    static {
        Set<String> values = new HashSet<>(Args.MESH_OPTIONS);
        values.addAll(Set.of("--id", "--dev", "--mtu", "--offload"));
        VALUES = Set.copyOf(values);
    }

    private BridgeCommand() {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws InterruptedException {
        Args args = new Args("bridge", argv, VALUES, Set.of("--no-offload"));
        if (!args.positional().isEmpty()) {
            throw new Args.UsageException("bridge: unexpected '" + args.positional().get(0) + "'");
        }
        if (!args.has("--id")) {
            throw new Args.UsageException("bridge: give this node's id with --id N");
        }
        int id = args.integer("--id", 0);
        MeshConfig config = args.meshConfig();
        if (!args.has("--max-packet")) {
            config = config.withSizes(config.ringCapacity(), DEFAULT_MAX_PACKET);
        }
        int mtu = args.integer("--mtu", DEFAULT_MTU);
        Bridge.checkMtu(mtu);
        boolean offload = offload(args);
        String device = args.string("--dev", DEFAULT_DEVICE);

        TunDevice tun = TunDevice.open(device, offload);
        Node node = null;
        Bridge bridge;
        try {
            tun.setMtu(mtu);
            node = Node.join(config, id);
            bridge = new Bridge(node, tun, mtu);
        } catch (RuntimeException e) {
            if (node != null) {
                node.close();
            }
            tun.close();
            throw e;
        }
        Stopper stopper = new Stopper(bridge, tun, out);
        Thread hook = new Thread(stopper::stop, "dataport-bridge-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        bridge.start();
        out.printf(Locale.ROOT, "ready bridge %d: %s (%s), address %s, MTU %d, offloads %s, PID %d; %s, lease holder"
                + " %x%n", id, device, tun.existed() ? "persistent" : "created, transient", Ipv4Router.addressText(id),
                mtu, offload ? "on" : "off", ProcessHandle.current().pid(), config.describe(), bridge.node().holder());
        out.flush();
        while (bridge.running()) {
            Thread.sleep(200);
        }
        Throwable failure = bridge.failure();
        stopper.stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs already
        }
        if (failure != null) {
            err.println("dataport: bridge " + id + " stopped: " + failure);
            return 1;
        }
        return 0;
    }

    private static boolean offload(Args args) {
        String value = args.string("--offload", "on");
        if (args.has("--no-offload")) {
            value = "off";
        }
        return switch (value) {
            case "on", "yes", "true" -> true;
            case "off", "no", "false" -> false;
            default -> throw new Args.UsageException("bridge: --offload takes on or off, not '" + value + "'");
        };
    }

    /** Stops the bridge once (from the signal hook or the main thread), prints its counters, closes all. */
    private static final class Stopper {
        private final Bridge bridge;
        private final TunDevice tun;
        private final PrintStream out;
        private boolean done;

        Stopper(Bridge bridge, TunDevice tun, PrintStream out) {
            this.bridge = bridge;
            this.tun = tun;
            this.out = out;
        }

        synchronized void stop() {
            if (done) {
                return;
            }
            done = true;
            bridge.close();
            out.println("counters of bridge " + bridge.node().id() + " on " + tun.name() + ":");
            bridge.counters().print(bridge.node(), out);
            out.println("end-counters");
            out.flush();
            bridge.node().close();
            tun.close();
        }
    }
}
