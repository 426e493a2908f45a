package io.dataport.mesh.cli;

import io.dataport.mesh.LinkStats;
import io.dataport.mesh.MeshConfig;
import io.dataport.mesh.Node;
import io.dataport.queue.DataportException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/** The {@code ./dataport} command line. */
public final class Main {
    private static final Set<String> NODE_VALUES = union(Args.MESH_OPTIONS, Set.of("--id"));
    private static final Set<String> PERF_VALUES = union(NODE_VALUES, Set.of("-c", "-t", "-l", "-i"));
    private static final Set<String> PERF_COMMAND_VALUES = Set.of("-t", "-l", "-i");

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int status = run(args, System.in, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command; returns the exit status (0 ok, 1 failed, 2 bad command line). */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        try {
            return switch (command) {
                case "demo" -> MeshDemo.run(rest, out, err);
                case "node" -> node(rest, in, out, err);
                case "bridge" -> BridgeCommand.run(rest, out, err);
                case "netns-demo" -> NetnsDemo.run(rest, out, err);
                case "perf" -> perf(rest, in, out, err);
                case "ring-demo" -> RingDemo.run(rest);
                case "region" -> RegionCommand.run(rest, out, err);
                case "ring-produce" -> {
                    RingDemo.produce(rest);
                    yield 0;
                }
                case "ring-consume" -> {
                    RingDemo.consume(rest);
                    yield 0;
                }
                case "help", "-h", "--help" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> throw new Args.UsageException("unknown command '" + command + "'");
            };
        } catch (Args.UsageException e) {
            err.println("dataport: " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (DataportException | IllegalArgumentException | IllegalStateException e) {
            err.println("dataport: " + e.getMessage());
            return 1;
        }
    }

    static final String USAGE = """
            usage: ./dataport <command> [options]

              demo [-t seconds] [-l bytes[,bytes...]] [-n nodes] [--ring bytes] [-d parent-dir]
                  starts the nodes as processes in a fresh temporary directory, runs perf on every
                  ordered pair of nodes, prints one table per packet size, stops every process and
                  removes the files (defaults: 3 nodes, 3 s per link, 1500-byte packets, 4 MiB rings,
                  the directory under /dev/shm)
              node --id N [mesh options] [-v] [--exit-on-eof]
                  runs node N (it serves perf tests); commands on standard input:
                  perf PEER [-t s] [-l bytes] [-i s] [-J], stats, quit
              perf -s --id N [mesh options]
                  runs node N as a perf server, printing what each test received
              perf -c PEER --id N [-t seconds] [-l bytes] [-i seconds] [-J] [mesh options]
                  joins as node N and sends to node PEER for -t seconds (default 10) packets of -l bytes
                  (default 1500), printing the receiver's numbers every -i seconds (default 1) and a
                  summary; -J prints iperf3-like JSON instead
              bridge --id N [--dev dp0] [--mtu 1500] [--offload on|off] [mesh options]
                  (root) attaches to the TUN device (a persistent one from 'ip tuntap add', else a
                  transient one is created), joins the mesh as node N and bridges IPv4 packets: to
                  198.18.0.(M+1) goes to node M; runs until SIGTERM/Ctrl-C, then prints its counters
                  (bridges default to --max-packet 65552: 64 KiB GSO packets with offloads on)
              netns-demo [--mtu 1500] [--time 5] [--no-offload] [--veth] [--nodes 3]
                  (root) namespaces dp-vm0.. with 198.18.0.1.. on a TUN device each, one bridge
                  process per namespace, ping and iperf3 TCP and UDP (100 Mbit/s) between every pair,
                  one table, then everything removed; --veth also measures a veth pair
                  (198.18.1.1-2) with the same MTU
              ring-demo [-t seconds] [-s sizes]
                  two processes on one ring of a region file, without the mesh
              region create PATH (--size BYTES | --ring BYTES) | region info PATH | region zero PATH [--force]
                  makes a zero-filled region file (0600), shows its directory, positions and role
                  holders, or writes zeros over it (refused while a role is held); region --help

            mesh options (every node of a mesh must use the same ones):
              -d, --dir DIR        the mesh's directory (default /dev/shm/dataport-mesh)
              -n, --nodes N        node ids are 0 .. N-1 (default 3)
              --mesh NAME          the mesh's name (default dataport); files of another mesh are refused
              --ring BYTES         each link's ring (default 4m)
              --max-packet BYTES   the largest packet (default 64k)
              --batch N            packets taken from one link per receive round (default 64)
              --lease-timeout S    after a crash, the restarted node takes over its roles once their
                                   leases stood still this long (default 10 s; may differ per node)
              --notify socket|poll|uio
                                   how a node asleep on its inbound rings is woken: a Unix-socket
                                   doorbell (default; one host), bounded polling of the regions
                                   (at most 1 ms late; needs nothing but the shared memory: VMs), or
                                   uio: the links are UIO devices (seL4/CAmkES cross-VM connections of
                                   connection.ko), one per pair named pair-A-B (A < B): the region is
                                   its map1, a peer is kicked through its map0 and the node sleeps on
                                   the /dev/uioN nodes; no files in --dir
              --uio-sysfs DIR      with --notify uio: where the UIO devices are listed (default
                                   /sys/class/uio)
              --uio-dev DIR        with --notify uio: where their uioN nodes are (default /dev)
            """;

    /** {@code node}: run a node until "quit" (or end of input with --exit-on-eof, or a signal). */
    private static int node(String[] rest, InputStream in, PrintStream out, PrintStream err) throws Exception {
        Args args = new Args("node", rest, NODE_VALUES, Set.of("-v", "--verbose", "--exit-on-eof"));
        int id = requiredId(args, "node");
        MeshConfig config = args.meshConfig();
        boolean verbose = args.has("-v") || args.has("--verbose");
        NodeProcess process = NodeProcess.start(config, id, verbose ? err : null);
        Thread hook = closeOnSignal(process);
        try {
            out.println("ready node " + id + ": " + config.describe() + ", lease holder "
                    + Integer.toHexString(process.node().holder()));
            out.flush();
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.equals("quit") || line.equals("exit")) {
                    out.println("ok");
                    out.flush();
                    return 0;
                }
                try {
                    command(process, line, out);
                    out.println("ok");
                } catch (Args.UsageException | IllegalArgumentException | IllegalStateException | DataportException e) {
                    out.println("error: " + e.getMessage());
                }
                out.flush();
            }
            if (args.has("--exit-on-eof")) {
                return 0;
            }
            err.println("dataport: node " + id + ": input closed; running until stopped (Ctrl-C or kill "
                    + ProcessHandle.current().pid() + ")");
            waitForSignal();
            return 0;
        } finally {
            Runtime.getRuntime().removeShutdownHook(hook);
            process.close();
        }
    }

    private static void command(NodeProcess process, String line, PrintStream out) {
        String[] words = line.split("\\s+");
        switch (words[0]) {
            case "perf" -> {
                Args args = new Args("perf", Arrays.copyOfRange(words, 1, words.length), PERF_COMMAND_VALUES,
                        Set.of("-J"));
                if (args.positional().size() != 1) {
                    throw new Args.UsageException("perf: give one peer node id, e.g. 'perf 1 -t 3'");
                }
                int peer = peerId(args.positional().get(0));
                Map<String, Object> json = PerfClient.run(process, peer, perfOptions(args, 10),
                        args.has("-J") ? null : out);
                if (args.has("-J")) {
                    out.println(Json.write(json, true));
                } else if (json.containsKey("error")) {
                    throw new IllegalStateException(String.valueOf(json.get("error")));
                }
            }
            case "stats" -> stats(process.node(), out);
            default -> throw new Args.UsageException("unknown command '" + words[0] + "' (perf, stats, quit)");
        }
    }

    private static void stats(Node node, PrintStream out) {
        out.printf("%-6s %12s %16s %12s %11s %12s %7s %7s%n", "link", "packets", "bytes", "full events",
                "kicks sent", "suppressed", "failed", "sleeps");
        for (int peer = 0; peer < node.config().nodes(); peer++) {
            if (peer == node.id()) {
                continue;
            }
            for (LinkStats s : new LinkStats[] {node.outboundStats(peer), node.inboundStats(peer)}) {
                out.printf("%-6s %12d %16d %12d %11d %12d %7d %7d%n", s.from() + "->" + s.to(), s.packets(),
                        s.bytes(), s.fullEvents(), s.kicksSent(), s.kicksSuppressed(), s.kickFailures(), s.sleeps());
            }
        }
    }

    /** {@code perf -s} or {@code perf -c PEER}. */
    private static int perf(String[] rest, InputStream in, PrintStream out, PrintStream err) throws Exception {
        Args args = new Args("perf", rest, PERF_VALUES, Set.of("-s", "-J", "--exit-on-eof"));
        if (args.has("-s") == args.has("-c")) {
            throw new Args.UsageException("perf: give -s (server) or -c PEER (client)");
        }
        int id = requiredId(args, "perf");
        MeshConfig config = args.meshConfig();
        if (args.has("-s")) {
            NodeProcess process = NodeProcess.start(config, id, out);
            Thread hook = closeOnSignal(process);
            try {
                out.println("Server listening as node " + id + ": " + config.describe());
                out.flush();
                if (args.has("--exit-on-eof")) {
                    while (in.read() >= 0) {
                        // wait for the end of input
                    }
                } else {
                    waitForSignal();
                }
                return 0;
            } finally {
                Runtime.getRuntime().removeShutdownHook(hook);
                process.close();
            }
        }
        int peer = peerId(args.string("-c", ""));
        PerfClient.Options options = perfOptions(args, 10);
        try (NodeProcess process = NodeProcess.start(config, id, null)) {
            Map<String, Object> json = PerfClient.run(process, peer, options, args.has("-J") ? null : out);
            if (args.has("-J")) {
                out.println(Json.write(json, true));
            }
            return json.containsKey("error") || !verified(json) ? 1 : 0;
        }
    }

    /** Whether the receiver saw every packet, in order, with a good checksum. */
    static boolean verified(Map<String, Object> json) {
        try {
            return Json.number(json, "end", "sum_received", "lost_packets") == 0
                    && Json.number(json, "end", "sum_received", "out_of_order") == 0
                    && Json.number(json, "end", "sum_received", "checksum_errors") == 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static PerfClient.Options perfOptions(Args args, double defaultSeconds) {
        int length = args.bytes("-l", 1500);
        double interval = args.decimal("-i", 1);
        if (interval <= 0) {
            throw new Args.UsageException("perf: -i must be more than 0 seconds");
        }
        return new PerfClient.Options(args.decimal("-t", defaultSeconds), length, interval);
    }

    private static int requiredId(Args args, String command) {
        if (!args.has("--id")) {
            throw new Args.UsageException(command + ": give this node's id with --id N");
        }
        return args.integer("--id", 0);
    }

    private static int peerId(String word) {
        try {
            return Integer.parseInt(word);
        } catch (NumberFormatException e) {
            throw new Args.UsageException("perf: the peer must be a node id, not '" + word + "'");
        }
    }

    private static Thread closeOnSignal(NodeProcess process) {
        Thread hook = new Thread(process::close, "dataport-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static void waitForSignal() throws InterruptedException {
        while (true) {
            Thread.sleep(60_000);
        }
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        java.util.Set<String> all = new java.util.HashSet<>();
        for (Set<String> s : sets) {
            all.addAll(s);
        }
        return Set.copyOf(all);
    }
}
