package io.dataport.mesh.cli;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.mesh.MeshConfig;
import io.dataport.mesh.Node;
import io.dataport.mesh.Packet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The perf tool: JSON output, text output, and the server's verification of every packet. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PerfTest {
    @TempDir
    Path dir;

    private String[] mesh(String... more) {
        List<String> args = new ArrayList<>(List.of(more));
        args.addAll(List.of("-d", dir.toString(), "--ring", "1m", "--max-packet", "64k"));
        return args.toArray(new String[0]);
    }

    /** Runs `node --id 1` in a thread; its input stays open until the returned stream is closed. */
    private PipedOutputStream startServerNode(ByteArrayOutputStream out) throws Exception {
        PipedOutputStream control = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(control);
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        Thread node = new Thread(() -> {
            try {
                Main.run(mesh("node", "--id", "1", "--exit-on-eof"), in, print, print);
            } catch (Exception e) {
                e.printStackTrace(print);
            }
        });
        node.setDaemon(true);
        node.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!out.toString(StandardCharsets.UTF_8).contains("ready node 1") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("ready node 1"), out.toString(StandardCharsets.UTF_8));
        return control;
    }

    @Test
    void perfClientPrintsIperf3LikeJsonAndEveryPacketIsVerified() throws Exception {
        ByteArrayOutputStream serverOut = new ByteArrayOutputStream();
        try (PipedOutputStream server = startServerNode(serverOut)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(mesh("perf", "-c", "1", "--id", "0", "-t", "1.2", "-l", "1500", "-i", "0.5", "-J"),
                    new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, text + err);
            Object json = Json.parse(text);
            assertEquals(1.0, Json.number(json, "start", "connecting_to", "node"));
            assertEquals(1500.0, Json.number(json, "start", "test_start", "blksize"));
            double packets = Json.number(json, "end", "sum_received", "packets");
            assertTrue(packets > 100, text);
            assertEquals(packets, Json.number(json, "end", "sum_sent", "packets"), "every packet sent arrived");
            assertEquals(packets * 1500, Json.number(json, "end", "sum_received", "bytes"));
            assertEquals(0.0, Json.number(json, "end", "sum_received", "lost_packets"));
            assertEquals(0.0, Json.number(json, "end", "sum_received", "out_of_order"));
            assertEquals(0.0, Json.number(json, "end", "sum_received", "checksum_errors"));
            assertTrue(Json.number(json, "end", "sum_received", "bits_per_second") > 0);
            double kicks = Json.number(json, "end", "sum_sent", "kicks_sent")
                    + Json.number(json, "end", "sum_sent", "kicks_suppressed");
            assertEquals(packets + 1, kicks, 0.0, "every publication (the data and END) kicked or was suppressed");
            List<?> intervals = (List<?>) Json.get(json, "intervals");
            assertTrue(intervals.size() >= 2, "0.5 s intervals over 1.2 s: " + intervals.size());
            double sum = 0;
            for (Object interval : intervals) {
                sum += Json.number(interval, "sum", "packets");
            }
            assertEquals(packets, sum, "the intervals add up to the total");

            // the text form, iperf3-like
            out.reset();
            status = Main.run(mesh("perf", "-c", "1", "--id", "0", "-t", "0.5", "-l", "64k"),
                    new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, text + err);
            assertTrue(text.contains("Connecting to node 1 from node 0"), text);
            assertTrue(text.matches("(?s).*\\[0>1\\].*sec.*bits/sec.*sender.*"), text);
            assertTrue(text.matches("(?s).*\\[0>1\\].*0/\\d+ \\(0%\\).*receiver.*"), text);
            assertTrue(text.contains("perf Done."), text);

            // and as a command of a running node
            server.write("stats\n".getBytes(StandardCharsets.UTF_8));
            server.flush();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!serverOut.toString(StandardCharsets.UTF_8).matches("(?s).*2->1 [^\n]*\nok\n.*")
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(serverOut.toString(StandardCharsets.UTF_8).matches("(?s).*1->0 .*0->1 .*ok.*"),
                    serverOut.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void theServerCountsChecksumErrorsLossAndReordering() throws Exception {
        MeshConfig config = MeshConfig.defaults(dir).withSizes(1 << 20, 65536);
        try (NodeProcess server = NodeProcess.start(config, 1, null); Node client = Node.join(config, 0)) {
            long testId = 77;
            int length = 100;
            client.send(1, Perf.START, Perf.start(testId, length, 60_000_000_000L), 0, 24, 1_000_000_000L);
            assertEquals(Perf.ACK, receive(client).type());
            byte[] body = new byte[length - Perf.DATA_HEADER];
            new SplittableRandom(1).nextBytes(body);
            long bodyCrc = Perf.crc(new CRC32C(), body, 0, body.length);
            for (long seq : new long[] {0, 1, 3, 2}) {
                byte[] packet = new byte[length];
                Perf.putLong(packet, 0, testId);
                Perf.putLong(packet, 8, seq);
                Perf.putLong(packet, 16, Perf.check(testId, seq, bodyCrc));
                System.arraycopy(body, 0, packet, Perf.DATA_HEADER, body.length);
                if (seq == 1) {
                    packet[50] ^= 1; // one flipped bit in the body
                }
                client.send(1, Perf.DATA, packet, 0, length, 1_000_000_000L);
            }
            client.send(1, Perf.END, Perf.end(testId, 4, 4 * length), 0, 24, 1_000_000_000L);
            Perf.Report result;
            do {
                result = receive(client);
            } while (result.type() != Perf.RESULT);
            assertEquals(4, result.packets());
            assertEquals(1, result.errors(), "the flipped bit");
            assertEquals(1, result.outOfOrder(), "#2 after #3");
            assertEquals(1, result.lost(), "#1 never arrived intact");
        }
    }

    private static Perf.Report receive(Node node) {
        Perf.Report[] got = new Perf.Report[1];
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (got[0] == null && System.nanoTime() < deadline) {
            if (node.poll((Packet p) -> got[0] = Perf.Report.decode(p.type(), p.toByteArray())) == 0) {
                node.idle(10_000_000);
            }
        }
        assertNotNull(got[0], "a reply from the server");
        return got[0];
    }

    @Test
    void badCommandLinesAndBadNodesGiveClearErrors() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        ByteArrayInputStream none = new ByteArrayInputStream(new byte[0]);
        assertEquals(1, Main.run(mesh("node", "--id", "5", "--exit-on-eof"), none, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown node id 5"), err.toString());
        err.reset();
        assertEquals(2, Main.run(new String[] {"perf", "--id", "0"}, none, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("give -s (server) or -c PEER (client)"), err.toString());
        err.reset();
        assertEquals(2, Main.run(new String[] {"node", "--id", "0", "--frobnicate"}, none, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--frobnicate'"), err.toString());
        err.reset();
        assertEquals(2, Main.run(new String[] {"node", "--id", "0", "--notify", "pigeon"}, none, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("node: unknown notifier 'pigeon': use socket"), err.toString());
        err.reset();
        assertEquals(2, Main.run(new String[] {"node", "--id", "0", "--ring", "lots"}, none, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--ring takes a size in bytes"), err.toString());
        err.reset();
        assertEquals(1, Main.run(mesh("perf", "-c", "1", "--id", "0", "-l", "10"), none, o, e));
        err.reset();
        assertEquals(1, Main.run(new String[] {"node", "--id", "0", "-d", dir.toString(), "--ring", "64k",
            "--exit-on-eof"}, none, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("need a ring of at least"), err.toString());
    }

    @Test
    void jsonRoundTrips() {
        Map<String, Object> m = Json.object();
        m.put("a", List.of(1, 2.5, "x\"y\n", true));
        m.put("b", Map.of("c", -3));
        m.put("d", null);
        for (boolean pretty : new boolean[] {true, false}) {
            Object back = Json.parse(Json.write(m, pretty));
            assertEquals(List.of(1.0, 2.5, "x\"y\n", true), Json.get(back, "a"));
            assertEquals(-3.0, Json.number(back, "b", "c"));
        }
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":}"));
    }
}
