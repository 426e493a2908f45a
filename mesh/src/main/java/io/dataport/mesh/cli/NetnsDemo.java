package io.dataport.mesh.cli;

import io.dataport.mesh.tun.Ipv4Router;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code ./dataport netns-demo} (root): real IP traffic over the mesh. Namespaces dp-vm0..
 * (198.18.0.1..), one bridge process each, ping between every pair, then iperf3 TCP and UDP
 * (100 Mbit/s) between every pair, one table, the bridges' counters, and everything removed, also
 * on failure or Ctrl-C (a shutdown hook). With {@code --veth}, a veth pair between two more
 * namespaces is measured in the same run.
 */
final class NetnsDemo {
    static final String PREFIX = "dp-";
    static final long UDP_BITS = 100_000_000L;

    private NetnsDemo() {
    }

    record Row(String pair, NetnsLab.Iperf tcp, NetnsLab.Iperf udp) {
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args args = new Args("netns-demo", argv, Set.of("--mtu", "--time", "-t", "--nodes", "-n", "--dir", "-d"),
                Set.of("--no-offload", "--veth"));
        if (!args.positional().isEmpty()) {
            throw new Args.UsageException("netns-demo: unexpected '" + args.positional().get(0) + "'");
        }
        int mtu = args.integer("--mtu", BridgeCommand.DEFAULT_MTU);
        io.dataport.mesh.tun.Bridge.checkMtu(mtu);
        double seconds = args.decimal("--time", args.decimal("-t", 5));
        int nodes = args.integer("--nodes", 3);
        if (nodes < 2 || nodes > 16) {
            throw new Args.UsageException("netns-demo: --nodes takes 2 to 16, not " + nodes);
        }
        boolean offload = !args.has("--no-offload");
        boolean veth = args.has("--veth");
        String missing = NetnsLab.missing();
        if (missing != null) {
            err.println("netns-demo: this machine lacks " + missing);
            return 1;
        }
        List<String> leftovers = NetnsLab.removeLeftovers(PREFIX);
        if (!leftovers.isEmpty()) {
            err.println("netns-demo: removed the leftovers of an earlier run: " + leftovers);
        }
        Path parent = Path.of(args.string("--dir", Args.sharedMemoryDir().toString()));
        NetnsLab lab = new NetnsLab(PREFIX, nodes, mtu, offload, parent, err);
        Thread cleanup = new Thread(lab::close, "netns-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        List<Row> rows = new ArrayList<>();
        boolean ok = true;
        long began = System.nanoTime();
        try {
            out.printf(Locale.ROOT, "Dataport netns demo: %d namespaces (%s..%s), a TUN device %s in each, one bridge"
                            + " process each, MTU %d, offloads %s, %s s per test; mesh in %s%n", nodes, lab.vm(0),
                    lab.vm(nodes - 1), NetnsLab.DEVICE, mtu, offload ? "on" : "off", fmt(seconds), lab.dir());
            lab.createVms();
            for (int id = 0; id < nodes; id++) {
                lab.startBridge(id);
            }
            for (int id = 0; id < nodes; id++) {
                lab.awaitBridge(id);
            }
            List<String> pids = new ArrayList<>();
            for (int id = 0; id < nodes; id++) {
                pids.add(id + "=" + lab.bridge(id).pid());
            }
            out.println("bridge PIDs: " + pids);
            for (int a = 0; a < nodes; a++) {
                for (int b = 0; b < nodes; b++) {
                    if (a != b) {
                        int got = lab.ping(a, b, 3);
                        out.printf("ping %s -> %s: %d/3 replies%n", lab.vm(a), Ipv4Router.addressText(b), got);
                        ok &= got > 0;
                    }
                }
            }
            lab.startIperfServers();
            for (int a = 0; a < nodes; a++) {
                for (int b = a + 1; b < nodes; b++) {
                    String pair = "vm" + a + "->vm" + b;
                    stopIfInterrupted(lab);
                    err.println("netns-demo: iperf3 " + pair + " TCP and UDP ...");
                    rows.add(new Row(pair, lab.iperf(a, b, seconds, 0), lab.iperf(a, b, seconds, UDP_BITS)));
                }
            }
            if (veth) {
                stopIfInterrupted(lab);
                lab.createVeth();
                lab.startIperfServer(lab.veth(1), "198.18.1.2");
                err.println("netns-demo: iperf3 over the veth pair TCP and UDP ...");
                rows.add(new Row("veth", lab.iperfVeth(seconds, 0), lab.iperfVeth(seconds, UDP_BITS)));
            }
        } catch (Exception e) {
            ok = false;
            err.println("netns-demo: " + e.getMessage());
        } finally {
            lab.stopBridges();
            out.println();
            ok &= print(rows, mtu, out);
            out.println();
            for (int id = 0; id < nodes; id++) {
                out.println(lab.bridgeCounters(id));
                out.println();
            }
            lab.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs already
            }
        }
        out.printf(Locale.ROOT, "%s in %.1f s. Stopped every process by PID, deleted namespaces %s, removed %s.%n",
                ok ? "Done" : "FAILED", (System.nanoTime() - began) / 1e9, lab.namespaces(), lab.dir());
        return ok ? 0 : 1;
    }

    private static void stopIfInterrupted(NetnsLab lab) {
        if (lab.closed()) {
            throw new IllegalStateException("interrupted: tearing down");
        }
    }

    /** Prints the table; returns whether every test ran. */
    static boolean print(List<Row> rows, int mtu, PrintStream out) {
        boolean ok = true;
        out.printf("MTU %d:%n%-10s %10s %12s %12s %12s%n", mtu, "pair", "TCP Gbit/s", "retransmits", "UDP Mbit/s",
                "UDP loss %");
        for (Row r : rows) {
            String tcp = r.tcp.ok() ? String.format(Locale.ROOT, "%10.2f %12d", r.tcp.gbits(), r.tcp.retransmits())
                    : String.format("%10s %12s", "failed", "-");
            String udp = r.udp.ok() ? String.format(Locale.ROOT, "%12.1f %12.3f", r.udp.gbits() * 1000, r.udp.lossPercent())
                    : String.format("%12s %12s", "failed", "-");
            out.printf("%-10s %s %s%n", r.pair, tcp, udp);
            for (NetnsLab.Iperf i : new NetnsLab.Iperf[] {r.tcp, r.udp}) {
                if (!i.ok()) {
                    out.println("  " + r.pair + ": " + i.error());
                    ok = false;
                }
            }
        }
        return ok;
    }

    private static String fmt(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }
}
