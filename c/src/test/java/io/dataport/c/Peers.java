package io.dataport.c;

import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an interop test sets up and takes down: the C tool (built once per JVM), a fresh 0700
 * folder in {@code /dev/shm}, the C processes it started (ended by PID at the end, and then checked
 * for sanitizer reports) and the Java regions whose ends it abandoned on purpose (a simulated crash;
 * only their files are closed at the end). Create one per test, close it after.
 */
final class Peers implements AutoCloseable {
    private final Path tool = CBuild.peer();
    private final ShmDir dir;
    private final List<CPeer> started = new ArrayList<>();
    private final List<Region> abandoned = new ArrayList<>();

    Peers(String folderPrefix) {
        this.dir = ShmDir.create(folderPrefix);
    }

    /** Starts the C tool with {@code args}. */
    CPeer c(String... args) {
        CPeer peer = CPeer.start(tool, args);
        started.add(peer);
        return peer;
    }

    /** A fresh zero-filled region file (0600) for {@code geometry}. */
    Path region(RegionGeometry geometry) {
        Path file = dir.resolve("pair-0-1.region");
        Region.createFile(file, geometry.size());
        return file;
    }

    /** The test's folder. */
    ShmDir dir() {
        return dir;
    }

    /** A region whose ends the test abandons (a crash): its file is closed at the end, nothing else. */
    Region abandon(Region region) {
        abandoned.add(region);
        return region;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            for (CPeer p : started) {
                p.destroy();
            }
            for (CPeer p : started) {
                p.assertNoSanitizerReport();
            }
        } finally {
            abandoned.forEach(Region::close);
            dir.close();
        }
    }
}
