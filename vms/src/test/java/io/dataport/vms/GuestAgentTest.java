package io.dataport.vms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real guest agent script ({@code vms/guest/agent}, run as an ordinary process with
 * {@code DATAPORT_SHARE}) against the host's side ({@link GuestAgent}): jobs run in order, output and
 * status come back whole, a dead agent and a failing job are reported, "stop" ends the agent.
 * Verdicts come from files and exit codes; the bounds only end a hung test.
 */
class GuestAgentTest {
    private static final long BOUND = 60_000;
    @TempDir
    Path share;
    private Process agent;
    private GuestAgent host;

    @BeforeEach
    void start() throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).resolve("guest/agent");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(share.resolveSibling(share.getFileName() + ".agent.log").toFile());
        pb.environment().put("DATAPORT_SHARE", share.toString());
        agent = pb.start();
        host = new GuestAgent("test-vm", share, share.resolve("console.log"));
        long deadline = System.nanoTime() + BOUND * 1_000_000L;
        while (host.readyText() == null) {
            assertTrue(agent.isAlive(), "the agent exited before it was ready");
            assertTrue(System.nanoTime() < deadline, "the agent wrote no ready file");
            Thread.sleep(10);
        }
    }

    @AfterEach
    void stop() throws Exception {
        agent.destroyForcibly();
        agent.waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void jobsRunInOrderWithTheirOutputAndStatus() throws Exception {
        assertTrue(host.readyText().startsWith("kernel "), host.readyText());
        GuestAgent.Job first = host.submit("first", "echo one > \"$(dirname \"$0\")/order\"; echo out-one\n");
        GuestAgent.Job second = host.submit("second", "cat \"$(dirname \"$0\")/order\"; echo err >&2; exit 3\n");
        GuestAgent.Result r1 = first.await(BOUND, agent::isAlive);
        GuestAgent.Result r2 = second.await(BOUND, agent::isAlive);
        assertEquals(new GuestAgent.Result(0, "out-one\n"), r1);
        assertEquals(3, r2.status());
        assertEquals("one\nerr\n", r2.output(), "the second job ran after the first, its stderr with its stdout");
    }

    @Test
    void aLargeOutputArrivesWhole() throws Exception {
        GuestAgent.Result r = host.run("seq", "seq 1 100000\n", BOUND, agent::isAlive);
        assertEquals(0, r.status());
        String[] lines = r.output().split("\n");
        assertEquals(100_000, lines.length);
        assertEquals("100000", lines[lines.length - 1]);
    }

    @Test
    void aFailingCheckIsOneLineWithTheLastOutput() throws Exception {
        VmException e = assertThrows(VmException.class,
                () -> host.check("configure", "echo a; echo b; echo 'no ivshmem device'; exit 1\n", BOUND, agent::isAlive));
        assertEquals("test-vm: configure failed (status 1): a | b | no ivshmem device", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aDeadGuestIsReportedNotAwaitedForever() throws Exception {
        agent.destroyForcibly();
        agent.waitFor(10, TimeUnit.SECONDS);
        GuestAgent.Job job = host.submit("never runs", "true\n");
        VmException e = assertThrows(VmException.class, () -> job.await(BOUND, agent::isAlive));
        assertTrue(e.getMessage().startsWith("test-vm stopped while running job 1 (never runs)"), e.getMessage());
    }

    @Test
    void theStopFileEndsTheAgentAfterTheNextJob() throws Exception {
        Files.writeString(share.resolve("stop"), "poweroff\n");
        GuestAgent.Result r = host.run("last", "echo bye\n", BOUND, () -> true);
        assertEquals("bye\n", r.output());
        assertTrue(agent.waitFor(BOUND, TimeUnit.MILLISECONDS), "the agent did not exit after the stop file");
        assertEquals(0, agent.exitValue());
    }
}
