package io.dataport.mesh.cli;

import io.dataport.mesh.tun.Ipv4Router;
import io.dataport.mesh.tun.TunDevice;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test bench of network namespaces for the TUN bridge: namespaces {@code PREFIXvm0..} each with a
 * persistent TUN device {@code dp0} holding 198.18.0.(id + 1)/24, one bridge process per namespace
 * on a mesh in a fresh temporary directory, {@code iperf3} servers, and optionally a veth pair
 * between {@code PREFIXveth0} and {@code PREFIXveth1} (198.18.1.1-2/24) to compare with. Only
 * namespaces it creates, only addresses in 198.18.0.0/15; never the root namespace's interfaces.
 *
 * <p>{@link #close()} undoes everything, in order and each step bounded: the iperf3 servers and the
 * bridges are stopped by PID (SIGTERM, then SIGKILL), the namespaces deleted, the directory removed.
 * {@link #removeLeftovers} does the same for a previous run that crashed: it kills the processes
 * still inside namespaces of the prefix (by PID, from {@code ip netns pids}) and deletes them.
 */
public final class NetnsLab implements AutoCloseable {
    public static final String DEVICE = "dp0";
    private static final long COMMAND_MILLIS = 10_000;
    private static final long START_MILLIS = 30_000;

    private final String prefix;
    private final int nodes;
    private final int mtu;
    private final boolean offload;
    private final PrintStream log;
    private final Path dir;
    private final Path meshDir;
    private final Process[] bridges;
    private final List<Process> servers = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private String leaseTimeout;
    private boolean closed;

    /** Prepares (creates nothing yet but the temporary directory under {@code parent}). */
    public NetnsLab(String prefix, int nodes, int mtu, boolean offload, Path parent, PrintStream log) throws IOException {
        if (!prefix.matches("dp-[a-z0-9-]*")) {
            throw new IllegalArgumentException("namespace prefix '" + prefix + "' must start with dp- (ours only)");
        }
        this.prefix = prefix;
        this.nodes = nodes;
        this.mtu = mtu;
        this.offload = offload;
        this.log = log;
        this.dir = Files.createTempDirectory(parent, "dataport-netns-");
        this.meshDir = dir.resolve("mesh");
        this.bridges = new Process[nodes];
    }

    /** What this machine lacks to run the bench (root, /dev/net/tun, ip, iperf3, ping), or null. */
    public static String missing() {
        List<String> missing = new ArrayList<>();
        if (!Exec.root()) {
            missing.add("root (it creates network namespaces and TUN devices)");
        }
        String tun = TunDevice.unavailable();
        if (tun != null) {
            missing.add(tun);
        }
        for (String tool : new String[] {"ip", "iperf3", "ping"}) {
            if (!Exec.onPath(tool)) {
                missing.add("the '" + tool + "' command");
            }
        }
        if (missing.isEmpty()) { // root in a container may still be refused namespaces
            String probe = "dp-probe" + ProcessHandle.current().pid() + "vm0";
            Exec.Result r = Exec.run(COMMAND_MILLIS, "ip", "netns", "add", probe);
            if (r.ok()) {
                Exec.run(COMMAND_MILLIS, "ip", "netns", "del", probe);
            } else {
                missing.add("permission to create network namespaces ('ip netns add' said: " + r.output().strip() + ")");
            }
        }
        return missing.isEmpty() ? null : String.join(", ", missing);
    }

    /**
     * The bridges' {@code --lease-timeout} (seconds): how long a restarted bridge waits before it
     * takes over the roles its SIGKILLed predecessor left held. Unset: the default (10 s).
     */
    public NetnsLab leaseTimeout(double seconds) {
        this.leaseTimeout = Double.toString(seconds);
        return this;
    }

    public String vm(int id) {
        return prefix + "vm" + id;
    }

    public String veth(int side) {
        return prefix + "veth" + side;
    }

    public Path dir() {
        return dir;
    }

    /** Kills the processes left in namespaces of {@code prefix} (by PID) and deletes those namespaces. */
    public static List<String> removeLeftovers(String prefix) {
        List<String> removed = new ArrayList<>();
        Exec.Result list = Exec.run(COMMAND_MILLIS, "ip", "netns", "list");
        Pattern ours = Pattern.compile("^(" + Pattern.quote(prefix) + "(vm|veth)\\d+)\\b");
        for (String line : list.output().split("\n")) {
            Matcher m = ours.matcher(line.trim());
            if (!m.find()) {
                continue;
            }
            String ns = m.group(1);
            for (String pid : Exec.run(COMMAND_MILLIS, "ip", "netns", "pids", ns).output().split("\\s+")) {
                if (pid.matches("\\d+")) {
                    Exec.kill(Long.parseLong(pid));
                }
            }
            Exec.run(COMMAND_MILLIS, "ip", "netns", "del", ns);
            removed.add(ns);
        }
        return removed;
    }

    // ----------------------------------------------------------------------------------- set up

    /** Creates the namespaces, each with {@code lo} up and a persistent TUN device holding its address. */
    public void createVms() {
        for (int id = 0; id < nodes; id++) {
            String ns = addNamespace(vm(id));
            ip(ns, "tuntap", "add", "dev", DEVICE, "mode", "tun", "vnet_hdr");
            ip(ns, "addr", "add", Ipv4Router.addressText(id) + "/24", "dev", DEVICE);
            ip(ns, "link", "set", DEVICE, "mtu", Integer.toString(mtu), "up");
        }
    }

    /** Creates two namespaces joined by a veth pair, 198.18.1.1/24 and 198.18.1.2/24, with the same MTU. */
    public void createVeth() {
        String a = addNamespace(veth(0));
        String b = addNamespace(veth(1));
        ip(a, "link", "add", "dpv0", "type", "veth", "peer", "name", "dpv1", "netns", b);
        ip(a, "addr", "add", "198.18.1.1/24", "dev", "dpv0");
        ip(b, "addr", "add", "198.18.1.2/24", "dev", "dpv1");
        ip(a, "link", "set", "dpv0", "mtu", Integer.toString(mtu), "up");
        ip(b, "link", "set", "dpv1", "mtu", Integer.toString(mtu), "up");
    }

    private String addNamespace(String ns) {
        Exec.check(COMMAND_MILLIS, "ip", "netns", "add", ns);
        namespaces.add(ns);
        ip(ns, "link", "set", "lo", "up");
        // no IPv6 chatter (router solicitations) on the bench's devices
        Exec.run(COMMAND_MILLIS, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
        Exec.run(COMMAND_MILLIS, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
        return ns;
    }

    private static void ip(String ns, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "-n", ns));
        command.addAll(List.of(args));
        Exec.check(COMMAND_MILLIS, command.toArray(new String[0]));
    }

    // ---------------------------------------------------------------------------------- bridges

    /** Starts node {@code id}'s bridge process in its namespace (standard output to {@code bridge-ID.log}). */
    public Process startBridge(int id) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", vm(id), java, "-XX:+UseSerialGC",
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "bridge",
                "--id", Integer.toString(id), "--dir", meshDir.toString(), "--nodes", Integer.toString(nodes),
                "--dev", DEVICE, "--mtu", Integer.toString(mtu), "--offload", offload ? "on" : "off"));
        if (leaseTimeout != null) {
            command.addAll(List.of("--lease-timeout", leaseTimeout));
        }
        Path logFile = bridgeLog(id);
        Files.deleteIfExists(logFile);
        // ip netns exec execs the command: the process's PID is the bridge's
        bridges[id] = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logFile.toFile()).start();
        return bridges[id];
    }

    /** Waits (bounded) until bridge {@code id} printed its ready line; fails with its log if it died. */
    public void awaitBridge(int id) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + START_MILLIS;
        Process p = bridges[id];
        while (System.currentTimeMillis() < deadline) {
            String text = bridgeOutput(id);
            if (text.contains("ready bridge " + id)) {
                return;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("bridge " + id + " (PID " + p.pid() + ") exited with status "
                        + p.exitValue() + ":\n" + text);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("bridge " + id + " (PID " + p.pid() + ") not ready after " + START_MILLIS
                + " ms:\n" + bridgeOutput(id));
    }

    public Process bridge(int id) {
        return bridges[id];
    }

    /** SIGKILL to bridge {@code id}, by PID; waits until it is gone. */
    public void killBridge(int id) throws InterruptedException {
        Process p = bridges[id];
        Exec.kill(p.pid());
        p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** SIGTERM to every bridge (they print their counters), SIGKILL to any left after 10 s. */
    public void stopBridges() {
        for (Process p : bridges) {
            if (p != null) {
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
            }
        }
        for (Process p : bridges) {
            if (p != null) {
                Exec.stop(p, 10_000);
            }
        }
    }

    private Path bridgeLog(int id) {
        return dir.resolve("bridge-" + id + ".log");
    }

    /** What bridge {@code id} printed so far. */
    public String bridgeOutput(int id) throws IOException {
        Path f = bridgeLog(id);
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    /** The counters a stopped bridge printed, or its whole output if it printed none. */
    public String bridgeCounters(int id) throws IOException {
        String text = bridgeOutput(id);
        int at = text.indexOf("counters of bridge");
        int end = text.indexOf("end-counters");
        return at >= 0 && end > at ? text.substring(at, end).strip() : text.strip();
    }

    // ---------------------------------------------------------------------------------- traffic

    /** Pings from node {@code from}'s namespace to node {@code to}'s address; returns the replies received. */
    public int ping(int from, int to, int count) {
        return ping(vm(from), Ipv4Router.addressText(to), count);
    }

    static int ping(String ns, String address, int count) {
        Exec.Result r = Exec.run(COMMAND_MILLIS + count * 1000L, "ip", "netns", "exec", ns, "ping", "-n", "-q",
                "-c", Integer.toString(count), "-i", "0.2", "-W", "2", address);
        Matcher m = Pattern.compile("(\\d+) received").matcher(r.output());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** Starts an iperf3 server in every namespace of node {@code id} (and the veth's second side), waits until it listens. */
    public void startIperfServer(String ns, String address) throws IOException, InterruptedException {
        Path logFile = dir.resolve("iperf3-" + ns + ".log");
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "iperf3", "-s", "-B", address, "--forceflush")
                .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        servers.add(p);
        long deadline = System.currentTimeMillis() + START_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(logFile) && Files.readString(logFile).contains("listening")) {
                return;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("iperf3 server in " + ns + " exited: " + Files.readString(logFile));
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("iperf3 server in " + ns + " (PID " + p.pid() + ") did not listen in time");
    }

    public void startIperfServers() throws IOException, InterruptedException {
        for (int id = 0; id < nodes; id++) {
            startIperfServer(vm(id), Ipv4Router.addressText(id));
        }
    }

    /** One iperf3 run's figures: TCP (Gbit/s received, retransmits) or UDP (Gbit/s, loss %), or an error. */
    public record Iperf(double gbits, long retransmits, double lossPercent, long bytesReceived, String error) {
        public boolean ok() {
            return error == null;
        }

        /**
         * The figures of an {@code iperf3 -J} client's output (exit status {@code status}): TCP (received
         * rate, retransmits, bytes received) or UDP (rate, loss %, bytes), or an error naming what went wrong.
         */
        public static Iperf parse(String output, int status, boolean udp) {
            Object json;
            try {
                json = Json.parse(output);
            } catch (IllegalArgumentException e) {
                return new Iperf(0, 0, 0, 0, "iperf3 printed no JSON (status " + status + "): " + output.strip());
            }
            if (json instanceof Map<?, ?> map && map.containsKey("error")) {
                return new Iperf(0, 0, 0, 0, String.valueOf(map.get("error")));
            }
            try {
                if (udp) {
                    return new Iperf(Json.number(json, "end", "sum", "bits_per_second") / 1e9, 0,
                            Json.number(json, "end", "sum", "lost_percent"), (long) Json.number(json, "end", "sum", "bytes"),
                            null);
                }
                return new Iperf(Json.number(json, "end", "sum_received", "bits_per_second") / 1e9,
                        (long) Json.number(json, "end", "sum_sent", "retransmits"), 0,
                        (long) Json.number(json, "end", "sum_received", "bytes"), null);
            } catch (IllegalArgumentException e) {
                return new Iperf(0, 0, 0, 0, "unexpected iperf3 JSON: " + e.getMessage());
            }
        }
    }

    /** iperf3 from node {@code from}'s namespace to node {@code to}: TCP, or UDP at {@code udpBits} bit/s. */
    public Iperf iperf(int from, int to, double seconds, long udpBits) {
        return iperf(vm(from), Ipv4Router.addressText(to), seconds, udpBits);
    }

    /** The same over the veth pair, from side 0 to side 1. */
    public Iperf iperfVeth(double seconds, long udpBits) {
        return iperf(veth(0), "198.18.1.2", seconds, udpBits);
    }

    static Iperf iperf(String ns, String address, double seconds, long udpBits) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns, "iperf3", "-c", address, "-J",
                "-t", String.format(Locale.ROOT, "%.1f", seconds), "--connect-timeout", "5000"));
        if (udpBits > 0) {
            command.addAll(List.of("-u", "-b", Long.toString(udpBits)));
        }
        Exec.Result r = Exec.run((long) (seconds * 1000) + 30_000, command);
        return Iperf.parse(r.output(), r.status(), udpBits > 0);
    }

    // --------------------------------------------------------------------------------- tear down

    /** Stops every process by PID, deletes the namespaces, removes the directory. Idempotent; each step bounded. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : servers) {
            Exec.stop(p, 3_000);
        }
        stopBridges();
        for (String ns : namespaces) {
            for (String pid : Exec.run(COMMAND_MILLIS, "ip", "netns", "pids", ns).output().split("\\s+")) {
                if (pid.matches("\\d+")) {
                    Exec.kill(Long.parseLong(pid)); // anything else still inside our namespace
                }
            }
            Exec.Result r = Exec.run(COMMAND_MILLIS, "ip", "netns", "del", ns);
            if (!r.ok() && log != null) {
                log.println("netns: could not delete namespace " + ns + ": " + r.output().strip());
            }
        }
        try {
            MeshDemo.deleteTree(dir);
        } catch (IOException e) {
            if (log != null) {
                log.println("netns: could not remove " + dir + ": " + e);
            }
        }
    }

    /** Whether {@link #close()} began (e.g. from a shutdown hook on Ctrl-C): start nothing new. */
    public synchronized boolean closed() {
        return closed;
    }

    /** The namespaces this bench created (deleted by {@link #close()}). */
    public List<String> namespaces() {
        return List.copyOf(namespaces);
    }
}
