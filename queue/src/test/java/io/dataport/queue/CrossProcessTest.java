package io.dataport.queue;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs on one ring file: a million records of mixed sizes crossing the wrap thousands of times,
 * each checked for sequence, length and checksum by the consumer process.
 */
class CrossProcessTest {
    private static final long RECORDS = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void millionMixedRecordsCrossBetweenTwoProcessesIntact() throws Exception {
        Path file = dir.resolve("cross.ring");
        RingConfig config = new RingConfig(64 * 1024, 4096);
        RingFile.create(file, config).close();
        long seed = Seeds.seed("CrossProcessTest.millionMixedRecordsCrossBetweenTwoProcessesIntact", 20261207);
        Process consumer = start("consume", file, seed);
        Process producer = start("produce", file, seed);
        try {
            assertTrue(producer.waitFor(240, TimeUnit.SECONDS), "producer finished");
            assertTrue(consumer.waitFor(60, TimeUnit.SECONDS), "consumer finished");
            String consumed = output("consume");
            assertEquals(0, producer.exitValue(), "producer (seed " + seed + "): " + output("produce"));
            assertEquals(0, consumer.exitValue(), "consumer (seed " + seed + "): " + consumed);
            assertTrue(consumed.contains("verified " + RECORDS + " records"), consumed);
        } finally {
            stop(producer);
            stop(consumer);
        }
        try (RingFile ring = RingFile.open(file)) {
            assertEquals(1, ring.producerEpoch());
            assertEquals(1, ring.consumerEpoch());
        }
    }

    private Process start(String role, Path file, long seed) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                CrossProcessPeer.class.getName(), role, file.toString(), Long.toString(RECORDS), Long.toString(seed)));
        builder.redirectErrorStream(true);
        builder.redirectOutput(dir.resolve(role + ".log").toFile());
        return builder.start();
    }

    private String output(String role) throws IOException {
        return Files.readString(dir.resolve(role + ".log"), StandardCharsets.UTF_8);
    }

    /** Stops a process by its PID, forcibly, if it is still alive. */
    private static void stop(Process process) {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    }
}
