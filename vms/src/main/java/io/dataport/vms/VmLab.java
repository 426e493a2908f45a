package io.dataport.vms;

import io.dataport.mesh.cli.Exec;
import io.dataport.mesh.cli.NetnsLab;
import io.dataport.queue.Region;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Three QEMU guests, one shared region per pair, and what runs in them; everything it makes it
 * removes in {@link #close()} (QEMU processes by PID, tap devices and the host bridge, region files,
 * temporary folders), also on failure and on Ctrl-C (the command's shutdown hook closes it).
 *
 * <pre>
 *  host: /dev/shm/dataport-vm-RUN/pair-A-B.region  (16 MiB, 0600; memory-backend-file, share=on)
 *         vm0 ---- pair-0-1 (ivshmem-plain at 00:10.0 in vm0 and vm1) ---- vm1
 *          \---- pair-0-2 (00:11.0) ---- vm2 ---- pair-1-2 (00:12.0) ----/
 *  in each guest: /run/mesh/pair-A-B.region -> /sys/bus/pci/devices/0000:00:1P.0/resource2,
 *                 the Dataport TUN bridge on dp0 (198.18.0.N), the polling notifier
 *  references:    virtio-net per pair over a stream netdev on a Unix socket (dpsAB, 198.18.1P.N),
 *                 virtio-net over a tap with vnet_hdr on a host bridge (dptap, 198.18.20.N)
 * </pre>
 *
 * <p>Jobs run in the guests through their agents ({@link GuestAgent}); the guests see the host's
 * {@code /} read-only, so they run this very build with the host's JDK.
 */
final class VmLab implements AutoCloseable {
    static final int VMS = 3;
    /** Bytes of each pair's region: two rings of 8 MiB (QEMU wants a power of two). */
    static final long REGION_BYTES = 16L << 20;
    static final String RING = "8m";
    static final int MEMORY_MIB = 512;
    private static final long JOB_MILLIS = 120_000;

    /** What the lab is given. */
    record Settings(Path kernel, Path initrd, Path agent, QemuVm.Accel accel, boolean nics, Path java, String classPath) {
    }

    private final Settings settings;
    private final PrintStream progress;
    private final long started = System.nanoTime();
    private final String run = String.format(Locale.ROOT, "%04x", ThreadLocalRandom.current().nextInt(0x10000));
    private Path runDir;
    private Path shmDir;
    private final List<QemuVm> vms = new ArrayList<>();
    private final GuestAgent[] agents = new GuestAgent[VMS];
    private final List<String> hostLinks = new ArrayList<>();
    private final boolean[] bridgeRunning = new boolean[VMS];
    private boolean failed;
    private boolean keepLogs;
    private boolean closed;
    private volatile boolean interrupted;

    VmLab(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    Path runDir() {
        return runDir;
    }

    String hostBridge() {
        return "dpv" + run + "br";
    }

    String tap(int vm) {
        return "dpv" + run + "t" + vm;
    }

    Path regionFile(int pair) {
        return shmDir.resolve("pair-" + Link.PAIRS[pair][0] + "-" + Link.PAIRS[pair][1] + ".region");
    }

    /** Seconds since the lab was made, for progress lines. */
    double elapsed() {
        return (System.nanoTime() - started) / 1e9;
    }

    void say(String format, Object... args) {
        progress.printf(Locale.ROOT, "[%6.1f s] %s%n", elapsed(), String.format(Locale.ROOT, format, args));
        progress.flush();
    }

    /** Marks the run failed: {@link #close()} keeps the logs folder and prints where it is. */
    void failed() {
        failed = true;
    }

    /** Keeps the logs folder even on success ({@code --keep}). */
    void keepLogs() {
        keepLogs = true;
    }

    // ------------------------------------------------------------------------------------ start

    /** Makes the folders, the regions and the host links, starts the guests and waits for their agents. */
    void start() throws InterruptedException {
        try {
            runDir = Files.createTempDirectory("dataport-vm-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            shmDir = Files.createDirectory(Path.of("/dev/shm", "dataport-vm-" + run + "-" + ProcessHandle.current().pid()),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            for (int p = 0; p < Link.PAIRS.length; p++) {
                Region.createFile(regionFile(p), REGION_BYTES);
            }
            for (int v = 0; v < VMS; v++) {
                Path share = Files.createDirectory(runDir.resolve("share-vm" + v),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                agents[v] = new GuestAgent("vm" + v, share, runDir.resolve("console-vm" + v + ".log"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (settings.nics()) {
            hostBridgeUp();
        }
        say("regions: 3 x %d MiB in %s; logs in %s", REGION_BYTES >> 20, shmDir, runDir);
        for (int v = 0; v < VMS; v++) {
            QemuVm vm = QemuVm.start(spec(v));
            vms.add(vm);
            if (settings.nics()) {
                awaitListening(v);
            }
        }
        say("booting 3 guests (%s, 1 vCPU of maxcpus 2, %d MiB each): QEMU PIDs %d, %d, %d",
                settings.accel().label(), MEMORY_MIB, vms.get(0).pid(), vms.get(1).pid(), vms.get(2).pid());
        awaitAgents();
    }

    private QemuVm.Spec spec(int v) {
        List<String> devices = new ArrayList<>();
        for (int p = 0; p < Link.PAIRS.length; p++) {
            if (Link.PAIRS[p][0] != v && Link.PAIRS[p][1] != v) {
                continue;
            }
            devices.addAll(List.of("-object", "memory-backend-file,id=r" + p + ",share=on,mem-path=" + regionFile(p)
                    + ",size=" + (REGION_BYTES >> 20) + "M", "-device",
                    String.format(Locale.ROOT, "ivshmem-plain,memdev=r%d,addr=0x%x", p, 0x10 + p)));
            if (settings.nics()) {
                boolean server = Link.PAIRS[p][0] == v;
                devices.addAll(List.of("-netdev", "stream,id=s" + p + ",server=" + (server ? "on" : "off")
                        + ",addr.type=unix,addr.path=" + socket(p), "-device",
                        String.format(Locale.ROOT, "virtio-net-pci,netdev=s%d,mac=%s,addr=0x%x", p, mac(p, v), 0x14 + p)));
            }
        }
        if (settings.nics()) {
            devices.addAll(List.of("-netdev", "tap,id=t0,ifname=" + tap(v) + ",script=no,downscript=no,vnet_hdr=on",
                    "-device", "virtio-net-pci,netdev=t0,mac=" + mac(0x10, v) + ",addr=0x18"));
        }
        return new QemuVm.Spec("vm" + v, v, settings.accel(), settings.kernel(), settings.initrd(), settings.agent(),
                runDir.resolve("share-vm" + v), runDir.resolve("console-vm" + v + ".log"), MEMORY_MIB, devices);
    }

    private Path socket(int pair) {
        return runDir.resolve("net-" + Link.PAIRS[pair][0] + "-" + Link.PAIRS[pair][1] + ".sock");
    }

    /** The MAC of guest {@code vm}'s NIC on link {@code link} (a pair index, or 0x10 for the tap). */
    static String mac(int link, int vm) {
        return String.format(Locale.ROOT, "52:54:00:dd:%02x:%02x", link, vm);
    }

    /** The guests that connect to guest {@code v}'s stream sockets start only once QEMU listens on them. */
    private void awaitListening(int v) throws InterruptedException {
        for (int p = 0; p < Link.PAIRS.length; p++) {
            if (Link.PAIRS[p][0] != v) {
                continue;
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(socket(p))) {
                QemuVm vm = vms.get(v);
                if (!vm.alive()) {
                    throw new VmException("QEMU of vm" + v + " exited at start: " + tail(vm.qemuLog()));
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new VmException("QEMU of vm" + v + " did not listen on " + socket(p) + " within 30 s");
                }
                Thread.sleep(10);
            }
        }
    }

    private void awaitAgents() throws InterruptedException {
        boolean[] ready = new boolean[VMS];
        int left = VMS;
        long deadline = System.nanoTime() + 300_000_000_000L;
        long nextReport = System.nanoTime() + 5_000_000_000L;
        while (left > 0) {
            for (int v = 0; v < VMS; v++) {
                if (ready[v]) {
                    continue;
                }
                QemuVm vm = vms.get(v);
                String text = agents[v].readyText();
                if (text != null) {
                    ready[v] = true;
                    left--;
                    say("vm%d is up: %s", v, text.strip().replace('\n', ','));
                } else if (!vm.alive()) {
                    throw new VmException("vm" + v + " stopped while booting: " + tail(vm.console()) + " | QEMU: "
                            + tail(vm.qemuLog()) + " (console log " + vm.console() + ")");
                }
            }
            if (left == 0) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new VmException("the guests did not boot within 300 s; console logs in " + runDir);
            }
            if (System.nanoTime() - nextReport > 0) {
                say("booting: %d of 3 guests up", VMS - left);
                nextReport += 5_000_000_000L;
            }
            Thread.sleep(50);
        }
    }

    private void hostBridgeUp() {
        String br = hostBridge();
        Exec.check(10_000, "ip", "link", "add", br, "type", "bridge");
        hostLinks.add(br);
        for (int v = 0; v < VMS; v++) {
            Exec.check(10_000, "ip", "tuntap", "add", "dev", tap(v), "mode", "tap", "vnet_hdr");
            hostLinks.add(tap(v));
            Exec.check(10_000, "ip", "link", "set", tap(v), "master", br, "up");
        }
        Exec.check(10_000, "ip", "link", "set", br, "up");
    }

    // ------------------------------------------------------------------------------- guest jobs

    GuestAgent agent(int vm) {
        return agents[vm];
    }

    BooleanSupplier alive(int vm) {
        QemuVm q = vms.get(vm);
        return q::alive;
    }

    String check(int vm, String title, String script) throws InterruptedException {
        return agents[vm].check(title, script, JOB_MILLIS, alive(vm));
    }

    /** The guest's network (interfaces renamed by MAC, addresses), its regions, and an iperf3 server. */
    void configure() throws InterruptedException {
        GuestAgent.Job[] jobs = new GuestAgent.Job[VMS];
        for (int v = 0; v < VMS; v++) {
            jobs[v] = agents[v].submit("configure vm" + v, configureScript(v));
        }
        for (int v = 0; v < VMS; v++) {
            GuestAgent.Result r = jobs[v].await(JOB_MILLIS, alive(v));
            if (!r.ok()) {
                throw new VmException("vm" + v + ": configuring failed: " + GuestAgent.oneLine(r.output()));
            }
        }
        say("guests configured: regions mapped from ivshmem BARs, dp0 %s, iperf3 servers listening",
                settings.nics() ? "and the virtio-net links up" : "up");
    }

    String configureScript(int v) {
        StringBuilder s = new StringBuilder("set -e\n");
        s.append("sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1\n");
        s.append("byMac() { for d in /sys/class/net/*; do [ \"$(cat $d/address)\" = \"$1\" ] && { basename $d; return 0; }; done;"
                + " echo \"no interface with MAC $1\" >&2; return 1; }\n");
        s.append("mkdir -p /run/mesh && chmod 700 /run/mesh\n");
        for (int p = 0; p < Link.PAIRS.length; p++) {
            int a = Link.PAIRS[p][0];
            int b = Link.PAIRS[p][1];
            if (a != v && b != v) {
                continue;
            }
            int peer = a == v ? b : a;
            String dev = String.format(Locale.ROOT, "/sys/bus/pci/devices/0000:00:%02x.0", 0x10 + p);
            s.append("[ -e ").append(dev).append("/resource2 ] || { echo 'no ivshmem device at ").append(dev)
                    .append("' >&2; exit 1; }\n");
            s.append("[ \"$(cat ").append(dev).append("/enable)\" != 0 ] || echo 1 > ").append(dev).append("/enable\n");
            s.append("ln -sfn ").append(dev).append("/resource2 /run/mesh/pair-").append(a).append('-').append(b)
                    .append(".region\n");
            if (settings.nics()) {
                nic(s, mac(p, v), Link.SOCKET.device(v, peer), Link.SOCKET.address(v, peer));
            }
        }
        if (settings.nics()) {
            nic(s, mac(0x10, v), Link.TAP.device(v, 0), Link.TAP.address(v, 0));
        }
        s.append("ip tuntap add dev dp0 mode tun vnet_hdr\n");
        s.append("ip addr add ").append(Link.DATAPORT.address(v, 0)).append("/24 dev dp0\n");
        s.append("ip link set dp0 mtu 1500 up\n");
        s.append("setsid iperf3 -s --forceflush > /run/iperf3.log 2>&1 < /dev/null &\n");
        s.append("echo $! > /run/iperf3.pid\n");
        s.append("for i in $(seq 1 100); do ss -ltn | grep -q ':5201 ' && exit 0; sleep 0.1; done\n");
        s.append("echo 'iperf3 -s did not listen' >&2; cat /run/iperf3.log >&2; exit 1\n");
        return s.toString();
    }

    private static void nic(StringBuilder s, String mac, String name, String address) {
        s.append("i=$(byMac ").append(mac).append(")\n");
        s.append("ip link set \"$i\" name ").append(name).append('\n');
        s.append("ip addr add ").append(address).append("/24 dev ").append(name).append('\n');
        s.append("ip link set ").append(name).append(" up\n");
    }

    /**
     * The java command line a guest runs: the host's JDK and this build's class path, seen over 9p.
     * C1 only: under emulation C2 compiles so slowly that the bridges, after a 1 s warm-up, carried
     * 36-238 Mbit/s with both compilers against 255-306 with C1 only (docs/vms.md).
     */
    String java(String mainClass, String args) {
        return settings.java() + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m -cp "
                + settings.classPath() + " " + mainClass + " " + args;
    }


    /** One side of a check run in two guests at once. */
    record Pairwise(GuestAgent.Result a, GuestAgent.Result b) {
    }

    /** Runs {@code scriptA} in guest {@code a} and {@code scriptB} in guest {@code b} at the same time. */
    Pairwise both(int a, String scriptA, int b, String scriptB, String title) throws InterruptedException {
        GuestAgent.Job ja = agents[a].submit(title + " (vm" + a + ")", scriptA);
        GuestAgent.Job jb = agents[b].submit(title + " (vm" + b + ")", scriptB);
        return new Pairwise(ja.await(JOB_MILLIS, alive(a)), jb.await(JOB_MILLIS, alive(b)));
    }

    /** Zeroes a pair's region from the host (between the atomics check and the mesh). */
    void zeroRegion(int pair) {
        Region.zeroFile(regionFile(pair));
    }

    // ------------------------------------------------------------------------------- the bridges

    /** Starts the Dataport TUN bridge in every guest and waits until each printed its ready line. */
    void startBridges() throws InterruptedException {
        GuestAgent.Job[] jobs = new GuestAgent.Job[VMS];
        for (int v = 0; v < VMS; v++) {
            String cmd = java("io.dataport.mesh.cli.Main", "bridge --id " + v + " --dir /run/mesh --nodes " + VMS
                    + " --ring " + RING + " --notify poll --dev dp0 --mtu 1500");
            jobs[v] = agents[v].submit("start the bridge of vm" + v,
                    "setsid " + cmd + " > /run/bridge.log 2>&1 < /dev/null &\n"
                    + "pid=$!; echo $pid > /run/bridge.pid\n"
                    + "for i in $(seq 1 1200); do\n"
                    + "  grep -q 'ready bridge' /run/bridge.log && { grep 'ready bridge' /run/bridge.log; exit 0; }\n"
                    + "  kill -0 $pid 2>/dev/null || { echo 'the bridge exited:'; cat /run/bridge.log; exit 1; }\n"
                    + "  sleep 0.1\n"
                    + "done\necho 'the bridge printed no ready line in 120 s'; cat /run/bridge.log; exit 1\n");
        }
        for (int v = 0; v < VMS; v++) {
            GuestAgent.Result r = jobs[v].await(JOB_MILLIS + 10_000, alive(v));
            if (!r.ok()) {
                throw new VmException("vm" + v + ": the bridge did not start: " + GuestAgent.oneLine(r.output()));
            }
            bridgeRunning[v] = true;
        }
        say("Dataport bridges up in all guests (node 0-2, rings of %s per direction, polling notifier)", RING);
    }

    /** Stops guest {@code v}'s bridge (SIGTERM) and returns the counters it printed. */
    String stopBridge(int v) throws InterruptedException {
        bridgeRunning[v] = false;
        return check(v, "stop the bridge of vm" + v,
                "pid=$(cat /run/bridge.pid); kill -TERM $pid\n"
                + "for i in $(seq 1 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done\n"
                + "kill -0 $pid 2>/dev/null && { echo 'the bridge did not stop in 30 s'; kill -KILL $pid; exit 1; }\n"
                + "sed -n '/counters of bridge/,/end-counters/p' /run/bridge.log\n");
    }

    // --------------------------------------------------------------------------------- traffic

    /** Pings {@code to} from {@code from} over {@code link}; the replies received. */
    int ping(int from, int to, Link link, int count) throws InterruptedException {
        GuestAgent.Result r = agents[from].run("ping vm" + to + " over " + link.label,
                "ping -n -q -c " + count + " -i 0.2 -W 2 " + link.address(to, from) + "\n", JOB_MILLIS, alive(from));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) (?:packets )?received").matcher(r.output());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** An iperf3 test and the byte counters of the interfaces of both guests around it. */
    record Transfer(int from, int to, Link link, NetnsLab.Iperf iperf, long senderLinkBytes, long receiverLinkBytes,
                    long senderOtherBytes, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private static final String COUNTERS = "for d in /sys/class/net/*; do echo \"counter $(basename $d)"
            + " $(cat $d/statistics/tx_bytes) $(cat $d/statistics/rx_bytes)\"; done\n";

    /**
     * iperf3 from guest {@code from} to guest {@code to} over {@code link} (TCP, or UDP at
     * {@code udpBits}), {@code seconds} long. The test is accepted only if the link's interface sent
     * (on the sender) and received (on the receiver) at least the bytes iperf3 moved, and the
     * sender's other interfaces (but loopback) sent less than 5% of that: the test provably used the
     * link it names. For {@link Link#LOOPBACK}, {@code to} is {@code from}.
     */
    Transfer iperf(int from, int to, Link link, double seconds, long udpBits) throws InterruptedException {
        String address = link == Link.LOOPBACK ? "127.0.0.1" : link.address(to, from);
        String client = "iperf3 -c " + address + " -J -t " + String.format(Locale.ROOT, "%.1f", seconds)
                + " --connect-timeout 5000" + (udpBits > 0 ? " -u -b " + udpBits : "");
        Map<String, long[]> rxBefore = link == Link.LOOPBACK ? Map.of() : counters(to);
        GuestAgent.Result r = agents[from].run("iperf3 to vm" + to + " over " + link.label,
                COUNTERS + "echo begin-json\n" + client + "\necho end-json status=$?\n" + COUNTERS,
                (long) (seconds * 1000) + JOB_MILLIS, alive(from));
        Map<String, long[]> rxAfter = link == Link.LOOPBACK ? Map.of() : counters(to);
        String out = r.output();
        int b = out.indexOf("begin-json\n");
        int e = out.indexOf("end-json status=");
        if (b < 0 || e < b) {
            return new Transfer(from, to, link, null, 0, 0, 0, "iperf3 job failed: " + GuestAgent.oneLine(out));
        }
        int status = Integer.parseInt(out.substring(e + 16, out.indexOf('\n', e)).strip());
        NetnsLab.Iperf result = NetnsLab.Iperf.parse(out.substring(b + 11, e), status, udpBits > 0);
        if (!result.ok()) {
            return new Transfer(from, to, link, result, 0, 0, 0, "iperf3: " + result.error());
        }
        Map<String, long[]> before = parseCounters(out.substring(0, b));
        Map<String, long[]> after = parseCounters(out.substring(e));
        if (link == Link.LOOPBACK) {
            return new Transfer(from, to, link, result, 0, 0, 0, null);
        }
        String dev = link.device(from, to);
        long sent = delta(before, after, dev, 0);
        long received = delta(rxBefore, rxAfter, link.device(to, from), 1);
        long other = 0;
        for (String name : after.keySet()) {
            if (!name.equals(dev) && !name.equals("lo")) {
                other += delta(before, after, name, 0);
            }
        }
        long payload = result.bytesReceived();
        // UDP: iperf3 reports the bytes sent; the receiver got those less the datagrams lost
        long arrived = udpBits > 0 ? (long) (payload * (1 - result.lossPercent() / 100) * 0.99) : payload;
        String error = null;
        if (sent < payload || received < arrived) {
            error = String.format(Locale.ROOT, "the %s interfaces moved less than iperf3's %d bytes (sent %d on vm%d's %s,"
                    + " received %d on vm%d's %s): the test did not use the link it names", link.label, payload, sent,
                    from, dev, received, to, link.device(to, from));
        } else if (other * 20 > payload) {
            error = String.format(Locale.ROOT, "vm%d's other interfaces sent %d bytes during a %s test of %d bytes",
                    from, other, link.label, payload);
        }
        return new Transfer(from, to, link, result, sent, received, other, error);
    }

    /** iperf3 for {@code seconds} over {@code link}, not counted and not checked (the warm-up). */
    void warmUp(int from, int to, Link link, double seconds) throws InterruptedException {
        agents[from].run("warm-up to vm" + to + " over " + link.label, "iperf3 -c " + link.address(to, from) + " -t "
                + String.format(Locale.ROOT, "%.1f", seconds) + " --connect-timeout 5000 > /dev/null\n",
                (long) (seconds * 1000) + JOB_MILLIS, alive(from));
    }

    private Map<String, long[]> counters(int vm) throws InterruptedException {
        return parseCounters(check(vm, "read the counters of vm" + vm, COUNTERS));
    }

    private static final java.util.regex.Pattern COUNTER =
            java.util.regex.Pattern.compile("^counter (\\S+) (\\d{1,18}) (\\d{1,18})$", java.util.regex.Pattern.MULTILINE);

    /** The {@code counter NAME TX RX} lines of a job's output, by interface; other lines are ignored. */
    static Map<String, long[]> parseCounters(String text) {
        Map<String, long[]> map = new HashMap<>();
        java.util.regex.Matcher m = COUNTER.matcher(text);
        while (m.find()) {
            map.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        return map;
    }

    private static long delta(Map<String, long[]> before, Map<String, long[]> after, String dev, int column) {
        long[] a = after.get(dev);
        long[] b = before.get(dev);
        return a == null || b == null ? 0 : a[column] - b[column];
    }

    // ------------------------------------------------------------------------- raw ring links

    /** One raw link test: Dataport's ring ({@code perf}) or the minimal loop, one message size. */
    record Raw(int from, int to, String kind, int size, double messagesPerSecond, double gbits, String error) {
        boolean ok() {
            return error == null;
        }
    }

    /**
     * {@code dataport perf} from guest {@code from} to guest {@code to} over the raw rings of their
     * region (no TCP, no TUN): a perf server node in {@code to}, a node in {@code from} that runs one
     * test per size ({@code perf TO -t S -l SIZE -J} on its standard input). Every node uses the
     * polling notifier; the bridges must be stopped and the regions zeroed first.
     */
    List<Raw> ringPerf(int from, int to, int[] sizes, double seconds) throws InterruptedException {
        String mesh = " --dir /run/mesh --nodes " + VMS + " --ring " + RING + " --notify poll";
        check(to, "start a perf server in vm" + to,
                "setsid " + java("io.dataport.mesh.cli.Main", "perf -s --id " + to + mesh)
                + " > /run/perf-server.log 2>&1 < /dev/null &\npid=$!; echo $pid > /run/perf-server.pid\n"
                + "for i in $(seq 1 1200); do grep -q 'Server listening' /run/perf-server.log && exit 0;"
                + " kill -0 $pid 2>/dev/null || { cat /run/perf-server.log; exit 1; }; sleep 0.1; done; exit 1\n");
        // a first 1 s test, not counted, while the JIT compiles the paths (as for iperf3)
        StringBuilder commands = new StringBuilder(String.format(Locale.ROOT, "perf %d -t 1 -l %d -J\\n", to, sizes[sizes.length - 1]));
        for (int size : sizes) {
            commands.append(String.format(Locale.ROOT, "perf %d -t %.1f -l %d -J\\n", to, seconds, size));
        }
        GuestAgent.Result r = agents[from].run("perf vm" + from + " -> vm" + to,
                "printf '" + commands + "quit\\n' | " + java("io.dataport.mesh.cli.Main", "node --id " + from + mesh)
                + "\n", JOB_MILLIS + (long) (seconds * 1000 * sizes.length), alive(from));
        check(to, "stop the perf server in vm" + to, "pid=$(cat /run/perf-server.pid); kill -TERM $pid;"
                + " for i in $(seq 1 300); do kill -0 $pid 2>/dev/null || exit 0; sleep 0.1; done; kill -KILL $pid\n");
        List<Raw> results = new ArrayList<>();
        String[] parts = r.output().split("\n(?:ok|error: [^\n]*)\n");
        int next = 0;
        while (next < parts.length && parts[next++].indexOf('{') < 0) {
            // skip to the warm-up test's result, which is not counted
        }
        for (int size : sizes) {
            String json = null;
            while (next < parts.length && json == null) {
                String part = parts[next++];
                int brace = part.indexOf('{');
                if (brace >= 0) {
                    json = part.substring(brace);
                }
            }
            if (json == null) {
                results.add(new Raw(from, to, "ring", size, 0, 0, "perf printed no result: " + GuestAgent.oneLine(r.output())));
                continue;
            }
            try {
                Object parsed = io.dataport.mesh.cli.Json.parse(json);
                if (parsed instanceof Map<?, ?> m && m.containsKey("error")) {
                    results.add(new Raw(from, to, "ring", size, 0, 0, "perf: " + m.get("error")));
                    continue;
                }
                long bad = (long) (io.dataport.mesh.cli.Json.number(parsed, "end", "sum_received", "lost_packets")
                        + io.dataport.mesh.cli.Json.number(parsed, "end", "sum_received", "out_of_order")
                        + io.dataport.mesh.cli.Json.number(parsed, "end", "sum_received", "checksum_errors"));
                results.add(new Raw(from, to, "ring", size,
                        io.dataport.mesh.cli.Json.number(parsed, "end", "sum_received", "packets_per_second"),
                        io.dataport.mesh.cli.Json.number(parsed, "end", "sum_received", "bits_per_second") / 1e9,
                        bad == 0 ? null : bad + " packets lost, out of order or damaged"));
            } catch (IllegalArgumentException e) {
                results.add(new Raw(from, to, "ring", size, 0, 0, "perf printed bad JSON: " + e.getMessage()));
            }
        }
        return results;
    }

    private static final java.util.regex.Pattern LOOP = java.util.regex.Pattern.compile(
            "loop side=consumer size=\\d+ messages=(\\d+) seconds=\\S+ msgs_per_s=(\\S+) gbits=(\\S+) errors=(\\d+)");

    /** The minimal shared-memory loop ({@link MinimalLoop}) from {@code from} to {@code to} in their region. */
    Raw minimalLoop(int from, int to, int size, double seconds) throws InterruptedException {
        int pair = Link.pair(from, to);
        zeroRegion(pair);
        String region = "/run/mesh/pair-" + Link.PAIRS[pair][0] + "-" + Link.PAIRS[pair][1] + ".region";
        String nonce = Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        String common = " --region " + region + " --size " + size + " --nonce " + nonce + " --seconds "
                + String.format(Locale.ROOT, "%.1f", seconds);
        Pairwise r = both(to, java(MinimalLoop.class.getName(), "--side consumer" + common) + "\n",
                from, java(MinimalLoop.class.getName(), "--side producer" + common) + "\n", "minimal loop " + from + "->" + to);
        zeroRegion(pair);
        java.util.regex.Matcher m = LOOP.matcher(r.a().output());
        if (!m.find() || r.b().status() != 0) {
            return new Raw(from, to, "loop", size, 0, 0, "minimal loop failed: consumer: " + GuestAgent.oneLine(r.a().output())
                    + "; producer: " + GuestAgent.oneLine(r.b().output()));
        }
        return new Raw(from, to, "loop", size, Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                Long.parseLong(m.group(4)) == 0 ? null : m.group(4) + " messages with a wrong sequence number");
    }

    // -------------------------------------------------------------------------------- tear down

    /**
     * Stops the bridges and guests (a clean power-off through the agent first, then QEMU by PID),
     * deletes the tap devices and the host bridge, the regions and their folder; deletes the logs
     * folder unless the run failed or {@code --keep}. Idempotent; every step bounded.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int v = 0; v < vms.size(); v++) {
            QemuVm vm = vms.get(v);
            if (vm.alive() && agents[v] != null && agents[v].readyText() != null) {
                try {
                    Files.writeString(agents[v].share().resolve("stop"), "poweroff\n");
                    agents[v].submit("power off", bridgeRunning[v] ? "kill -TERM $(cat /run/bridge.pid)\n" : ":\n");
                } catch (IOException | UncheckedIOException e) {
                    // QEMU is stopped by PID below
                }
            }
        }
        for (QemuVm vm : vms) {
            try {
                if (!vm.awaitExit(5_000)) {
                    vm.stop(3_000);
                }
            } catch (InterruptedException e) {
                vm.stop(0);
                Thread.currentThread().interrupt();
            }
        }
        for (int i = hostLinks.size() - 1; i >= 0; i--) {
            Exec.run(10_000, "ip", "link", "del", hostLinks.get(i));
        }
        deleteTree(shmDir);
        if (runDir != null) {
            if ((failed || keepLogs) && !interrupted) {
                progress.println("dataport vm-demo: console logs and job outputs kept in " + runDir);
            } else {
                deleteTree(runDir);
            }
        }
    }

    /**
     * Ctrl-C or SIGTERM (the command's shutdown hook): the last console line of every guest goes to
     * the progress stream, then everything is removed, the logs folder too.
     */
    synchronized void abort() {
        interrupted = true;
        for (QemuVm vm : vms) {
            progress.println("dataport vm-demo: interrupted; " + vm.name() + "'s console ended: " + tail(vm.console()));
        }
        if (closed) {
            deleteTree(runDir);
        } else {
            close();
        }
    }

    /** What a finished run left behind (QEMU processes, host links, files); empty when nothing. */
    List<String> leftovers() {
        List<String> left = new ArrayList<>();
        for (QemuVm vm : vms) {
            if (vm.alive()) {
                left.add("QEMU of " + vm.name() + " (PID " + vm.pid() + ")");
            }
        }
        for (String link : hostLinks) {
            if (Exec.run(10_000, "ip", "link", "show", link).ok()) {
                left.add("host link " + link);
            }
        }
        if (shmDir != null && Files.exists(shmDir)) {
            left.add(shmDir.toString());
        }
        if (runDir != null && Files.exists(runDir) && !failed && !keepLogs) {
            left.add(runDir.toString());
        }
        return left;
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // reported by leftovers()
                }
            });
        } catch (IOException ignored) {
            // reported by leftovers()
        }
    }

    static String tail(Path file) {
        try {
            if (!Files.exists(file)) {
                return "(no log)";
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).replace("\r", "");
            return GuestAgent.oneLine(text.replaceAll("\u001b\\[[0-9;?]*[a-zA-Z]", ""));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
