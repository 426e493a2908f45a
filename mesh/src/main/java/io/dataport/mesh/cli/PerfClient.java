package io.dataport.mesh.cli;

import io.dataport.mesh.LinkStats;
import io.dataport.mesh.MeshConfig;
import io.dataport.mesh.Node;
import io.dataport.mesh.OutgoingPacket;
import io.dataport.mesh.PacketWriter;
import io.dataport.queue.DataportException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The perf client: streams DATA packets to one peer for a number of seconds, as fast as the link
 * takes them (a full ring makes it wait: back-pressure, never a drop), and reports what the server
 * measured, interval by interval, like iperf3. The result is always built as iperf3-like JSON; the
 * text lines are printed as the intervals arrive.
 */
final class PerfClient {
    static final long CONNECT_TIMEOUT_NANOS = 10_000_000_000L;
    static final long SEND_TIMEOUT_NANOS = 10_000_000_000L;

    record Options(double seconds, int length, double interval) {
    }

    private PerfClient() {
    }

    /**
     * Runs one test from {@code process}'s node to {@code peer}. Returns the JSON result; on failure
     * it holds an {@code "error"} (as iperf3's does) and the text output says why.
     */
    static Map<String, Object> run(NodeProcess process, int peer, Options options, PrintStream text) {
        Node node = process.node();
        MeshConfig config = node.config();
        Map<String, Object> json = Json.object();
        List<Object> intervals = new ArrayList<>();
        Map<String, Object> start = Json.object();
        json.put("start", start);
        json.put("intervals", intervals);
        json.put("end", Json.object());
        long testId = new SplittableRandom().nextLong() | 1;
        start.put("version", "dataport-perf 0.1");
        start.put("mesh", ordered("dir", config.dir().toString(), "name", config.name(), "nodes", config.nodes(),
                "ring_bytes", config.ringCapacity(), "max_packet", config.maxPacketLength()));
        start.put("connecting_to", ordered("node", peer));
        start.put("from_node", node.id());
        start.put("cookie", String.format("%016x", testId));
        start.put("timestamp", ordered("time", Instant.now().toString(), "timesecs", System.currentTimeMillis() / 1000));
        start.put("test_start", ordered("protocol", "dataport-mesh", "blksize", options.length(),
                "duration", options.seconds(), "interval", options.interval()));
        try {
            if (peer == node.id() || peer < 0 || peer >= config.nodes()) {
                throw new IllegalArgumentException("perf: node " + peer + " is not a peer of node " + node.id()
                        + " (nodes are 0 to " + (config.nodes() - 1) + ")");
            }
            if (options.length() < Perf.DATA_HEADER || options.length() > config.maxPacketLength()) {
                throw new IllegalArgumentException("perf: the packet length must be in [" + Perf.DATA_HEADER + ", "
                        + config.maxPacketLength() + "] (the mesh's max packet), not " + options.length());
            }
            if (text != null) {
                text.printf("Connecting to node %d from node %d: %s%n", peer, node.id(), config.describe());
            }
            test(process, peer, options, testId, text, json, intervals);
        } catch (RuntimeException e) {
            json.put("error", e.getMessage());
            if (text != null) {
                text.println("perf: error - " + e.getMessage());
            }
        }
        return json;
    }

    private static void test(NodeProcess process, int peer, Options options, long testId, PrintStream text,
                             Map<String, Object> json, List<Object> intervals) {
        Node node = process.node();
        BlockingQueue<Perf.Report> reports = process.clientQueue(peer);
        reports.clear();
        long intervalNanos = Math.max(1_000_000, (long) (options.interval() * 1e9));
        try {
            node.send(peer, Perf.START, Perf.start(testId, options.length(), intervalNanos), 0, 24,
                    CONNECT_TIMEOUT_NANOS);
        } catch (DataportException e) {
            throw new IllegalStateException("perf: node " + peer + " takes no packets: " + e.getMessage(), e);
        }
        if (await(process, reports, Perf.ACK, testId, CONNECT_TIMEOUT_NANOS, null) == null) {
            throw new IllegalStateException("perf: node " + peer + " did not answer within "
                    + CONNECT_TIMEOUT_NANOS / 1_000_000_000 + " s: is it running in " + node.config().dir() + "?");
        }
        if (text != null) {
            text.println(HEADER);
        }
        java.util.function.Consumer<Perf.Report> onInterval = r -> {
            intervals.add(ordered("streams", List.of(stream(r)), "sum", stream(r)));
            if (text != null) {
                text.println(line(node.id(), peer, r, ""));
            }
        };

        DataWriter writer = new DataWriter(testId, options.length(), new SplittableRandom(testId));
        LinkStats before = node.outboundStats(peer);
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (options.seconds() * 1e9);
        long now = t0;
        long seq = 0;
        while (true) {
            if ((seq & 15) == 0) {
                now = System.nanoTime();
                if (now - deadline >= 0) {
                    break;
                }
                if ((seq & 1023) == 0) {
                    drain(process, reports, testId, onInterval);
                }
            }
            writer.seq = seq;
            node.send(peer, Perf.DATA, options.length(), writer, SEND_TIMEOUT_NANOS);
            seq++;
        }
        long sentNanos = now - t0;
        long sentBytes = seq * options.length();
        node.send(peer, Perf.END, Perf.end(testId, seq, sentBytes), 0, 24, SEND_TIMEOUT_NANOS);
        Perf.Report result = await(process, reports, Perf.RESULT, testId, CONNECT_TIMEOUT_NANOS, onInterval);
        LinkStats after = node.outboundStats(peer);
        if (result == null) {
            throw new IllegalStateException("perf: node " + peer + " sent no result within "
                    + CONNECT_TIMEOUT_NANOS / 1_000_000_000 + " s after the test");
        }
        Perf.Report sent = new Perf.Report(Perf.RESULT, testId, -1, 0, sentNanos, seq, sentBytes, 0, 0, 0);
        Map<String, Object> sumSent = stream(sent);
        sumSent.remove("lost_packets");
        sumSent.remove("lost_percent");
        sumSent.remove("out_of_order");
        sumSent.remove("checksum_errors");
        sumSent.put("full_events", after.fullEvents() - before.fullEvents());
        sumSent.put("kicks_sent", after.kicksSent() - before.kicksSent());
        sumSent.put("kicks_suppressed", after.kicksSuppressed() - before.kicksSuppressed());
        sumSent.put("kick_failures", after.kickFailures() - before.kickFailures());
        sumSent.put("sender", true);
        Map<String, Object> sumReceived = stream(result);
        Map<String, Object> end = Json.object();
        end.put("sum_sent", sumSent);
        end.put("sum_received", sumReceived);
        end.put("sum", sumReceived);
        json.put("end", end);
        if (text != null) {
            text.println("- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -");
            text.println(HEADER);
            text.println(line(node.id(), peer, sent, "sender"));
            text.println(line(node.id(), peer, result, "receiver"));
            text.printf("checksum errors %d; full events %d; kicks sent %d, suppressed %d, failed %d%n",
                    result.errors(), sumSent.get("full_events"), sumSent.get("kicks_sent"),
                    sumSent.get("kicks_suppressed"), sumSent.get("kick_failures"));
            text.println();
            text.println("perf Done.");
        }
    }

    /** Waits for the report of {@code type}, handing intervals to {@code onInterval}; null on timeout. */
    private static Perf.Report await(NodeProcess process, BlockingQueue<Perf.Report> reports, int type, long testId,
                                     long timeoutNanos, java.util.function.Consumer<Perf.Report> onInterval) {
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (true) {
                process.checkHealthy();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                Perf.Report r = reports.poll(Math.min(left, 100_000_000), TimeUnit.NANOSECONDS);
                if (r == null || r.testId() != testId) {
                    continue;
                }
                if (r.type() == type) {
                    return r;
                }
                if (r.type() == Perf.INTERVAL && onInterval != null) {
                    onInterval.accept(r);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("perf: interrupted", e);
        }
    }

    private static void drain(NodeProcess process, BlockingQueue<Perf.Report> reports, long testId,
                              java.util.function.Consumer<Perf.Report> onInterval) {
        process.checkHealthy();
        Perf.Report r;
        while ((r = reports.poll()) != null) {
            if (r.testId() == testId && r.type() == Perf.INTERVAL) {
                onInterval.accept(r);
            }
        }
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = Json.object();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** An iperf3-like JSON stream object for one report. */
    static Map<String, Object> stream(Perf.Report r) {
        double seconds = r.seconds();
        Map<String, Object> m = Json.object();
        m.put("start", r.startNanos() / 1e9);
        m.put("end", r.endNanos() / 1e9);
        m.put("seconds", seconds);
        m.put("bytes", r.bytes());
        m.put("bits_per_second", seconds > 0 ? r.bytes() * 8 / seconds : 0.0);
        m.put("packets", r.packets());
        m.put("packets_per_second", seconds > 0 ? r.packets() / seconds : 0.0);
        m.put("lost_packets", r.lost());
        long expected = r.packets() - r.errors() - r.outOfOrder() + r.lost();
        m.put("lost_percent", expected > 0 ? 100.0 * r.lost() / expected : 0.0);
        m.put("out_of_order", r.outOfOrder());
        m.put("checksum_errors", r.errors());
        m.put("omitted", false);
        m.put("sender", false);
        return m;
    }

    static final String HEADER = "[ ID]   Interval           Transfer       Bitrate           Packets/s    Lost/Total       Out-of-order";

    /** One iperf3-like text line. */
    static String line(int from, int to, Perf.Report r, String role) {
        double seconds = r.seconds();
        double pps = seconds > 0 ? r.packets() / seconds : 0;
        double bps = seconds > 0 ? r.bytes() * 8 / seconds : 0;
        String lost;
        if ("sender".equals(role)) {
            lost = String.format(Locale.ROOT, "%-16s %-12s", "-", "-");
        } else {
            long expected = r.packets() - r.errors() - r.outOfOrder() + r.lost();
            lost = String.format(Locale.ROOT, "%-16s %-12d", r.lost() + "/" + expected + " ("
                    + percent(r.lost(), expected) + ")", r.outOfOrder());
        }
        return String.format(Locale.ROOT, "[%d>%d]  %6.2f-%-6.2f sec  %-13s  %-16s  %-11s  %s %s", from, to,
                r.startNanos() / 1e9, r.endNanos() / 1e9, transfer(r.bytes()), bitrate(bps), rate(pps), lost, role)
                .stripTrailing();
    }

    private static String percent(long part, long whole) {
        if (whole <= 0 || part == 0) {
            return "0%";
        }
        return String.format(Locale.ROOT, "%.2g%%", 100.0 * part / whole);
    }

    static String transfer(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GBytes", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.2f MBytes", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.2f KBytes", bytes / 1024.0);
    }

    static String bitrate(double bitsPerSecond) {
        if (bitsPerSecond >= 1e9) {
            return String.format(Locale.ROOT, "%.2f Gbits/sec", bitsPerSecond / 1e9);
        }
        if (bitsPerSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2f Mbits/sec", bitsPerSecond / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f Kbits/sec", bitsPerSecond / 1e3);
    }

    static String rate(double perSecond) {
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M/s", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k/s", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f /s", perSecond);
    }

    /** Writes one DATA packet in place: header, check, then the test's fixed random body. */
    private static final class DataWriter implements PacketWriter {
        final long testId;
        final byte[] body;
        final long bodyCrc;
        long seq;

        DataWriter(long testId, int length, SplittableRandom random) {
            this.testId = testId;
            this.body = new byte[length - Perf.DATA_HEADER];
            random.nextBytes(body);
            this.bodyCrc = Perf.crc(new CRC32C(), body, 0, body.length);
        }

        @Override
        public void write(OutgoingPacket packet) {
            packet.putLong(0, testId).putLong(8, seq).putLong(16, Perf.check(testId, seq, bodyCrc))
                    .putBytes(Perf.DATA_HEADER, body, 0, body.length);
        }
    }
}
