package io.dataport.region.nativemap;

import static org.junit.jupiter.api.Assertions.*;

import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import io.dataport.queue.RingConsumer;
import io.dataport.queue.RingProducer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path a UIO map or a CAmkES dataport node takes: the region's bytes mapped by
 * {@link NativeMapping} (here from a regular file standing in for the node) and handed to
 * {@link Region#wrap}; the other peer maps the same file with {@link Region#open}. Both rings carry
 * records both ways, so the two mappings really share the bytes.
 */
class RegionThroughNativeMappingTest {
    @TempDir
    Path dir;

    @Test
    void aRegionMappedNativelyCarriesRingsToAPeerThatMappedItWithFileChannel() {
        RegionGeometry pair = RegionGeometry.pair(RegionGeometry.sizeFor(1 << 16, 1 << 16), 0, 1, 5);
        Path node = dir.resolve("dataport-node");
        Region.createFile(node, pair.size());
        RegionOptions options = RegionOptions.defaults().withKeeper(false).withLeaseTimeout(Duration.ofSeconds(10));
        try (NativeMapping mapping = NativeMapping.map(node, 0, pair.size());
             Region native0 = Region.wrap(mapping.buffer(), node.toString(), pair, options.withHolder(1));
             Region file1 = Region.open(node, pair, options.withHolder(2));
             RingProducer out = native0.attachProducer(pair.indexOf(0, 1));
             RingConsumer in = file1.attachConsumer(pair.indexOf(0, 1));
             RingProducer back = file1.attachProducer(pair.indexOf(1, 0));
             RingConsumer answers = native0.attachConsumer(pair.indexOf(1, 0))) {
            assertEquals(1, file1.generation(), "the peer found the directory the native mapping formatted");
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                assertTrue(out.offer(("question " + i).getBytes(StandardCharsets.UTF_8)));
                assertEquals(1, in.poll(r -> {
                    byte[] b = new byte[r.length()];
                    r.getBytes(0, b, 0, b.length);
                    assertTrue(back.offer(("answer to " + new String(b, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
                }, 4));
                assertEquals(1, answers.poll(r -> {
                    byte[] b = new byte[r.length()];
                    r.getBytes(0, b, 0, b.length);
                    got.add(new String(b, StandardCharsets.UTF_8));
                }, 4));
            }
            assertEquals("answer to question 499", got.get(499));
        }
    }
}
