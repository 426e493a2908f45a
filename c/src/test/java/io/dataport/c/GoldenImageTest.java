package io.dataport.c;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The golden image of docs/c-interop.md: the Java scenario and the C tool's {@code golden-write}
 * both produce {@code src/test/resources/golden/region-v3.bin} byte for byte, and both read it
 * (on a copy). A difference is reported by its first offset, both values and the structure it lies
 * in (directory page, a ring's header page and field, a ring's data).
 *
 * <p>To make the fixture the first time (or after a deliberate change of the layout or of the
 * scenario): {@code mvn -B -o -pl c test -Dtest=GoldenImageTest -Ddataport.golden.write=true}.
 * With that property the Java scenario's image is written over the fixture instead of being
 * compared with it, and the test then fails saying so, so it never passes silently; run it again
 * without the property, and commit the fixture.
 */
class GoldenImageTest {
    /** The system property that makes {@link #javaScenarioWritesTheFixture} write the fixture. */
    static final String WRITE_PROPERTY = "dataport.golden.write";

    private ShmDir dir;
    private CPeer peer;

    @BeforeEach
    void folder() {
        dir = ShmDir.create("dataport-golden-");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        try {
            if (peer != null) {
                peer.destroy();
                peer.assertNoSanitizerReport();
            }
        } finally {
            dir.close();
        }
    }

    @Test
    void javaScenarioWritesTheFixture() throws IOException {
        Path image = dir.resolve("java-golden.region");
        GoldenScenario.write(image);
        Path fixture = GoldenScenario.fixture();
        if (Boolean.getBoolean(WRITE_PROPERTY)) {
            Files.createDirectories(fixture.getParent());
            Files.copy(image, fixture, StandardCopyOption.REPLACE_EXISTING);
            fail("-D" + WRITE_PROPERTY + "=true: wrote the Java scenario's image to " + fixture
                    + " instead of comparing; run again without the property (and commit the fixture)");
        }
        assertSameImage(fixture, image, "the Java scenario's image");
    }

    @Test
    void cToolWritesTheFixture() throws Exception {
        Path tool = CBuild.peer();
        Path image = dir.resolve("c-golden.region");
        peer = CPeer.start(tool, "golden-write", "--out", image.toString());
        peer.expect("golden written");
        peer.expectExit(0);
        assertEquals("600", Integer.toOctalString(permissions(image)), "golden-write creates its file 0600");
        assertSameImage(GoldenScenario.fixture(), image, "the C tool's golden-write image");
    }

    @Test
    void javaReadsTheFixture() {
        Path copy = dir.copy(requireFixture(), "copy.region");
        System.out.println(GoldenScenario.read(copy));
    }

    @Test
    void cToolReadsTheFixture() throws Exception {
        Path tool = CBuild.peer();
        Path copy = dir.copy(requireFixture(), "copy.region");
        peer = CPeer.start(tool, "golden-read", "--region", copy.toString());
        peer.expect("golden ok");
        peer.expectExit(0);
    }

    static Path requireFixture() {
        Path fixture = GoldenScenario.fixture();
        assertTrue(Files.isRegularFile(fixture), "no fixture " + fixture + ": make it with -D" + WRITE_PROPERTY
                + "=true (see GoldenImageTest)");
        return fixture;
    }

    /** Fails at the first differing byte, naming its offset, both values and the structure it lies in. */
    static void assertSameImage(Path fixture, Path image, String what) throws IOException {
        byte[] want = Files.readAllBytes(requireFixture());
        byte[] got = Files.readAllBytes(image);
        int at = java.util.Arrays.mismatch(want, got);
        if (at < 0) {
            return;
        }
        if (at >= Math.min(want.length, got.length)) {
            fail(what + " has " + got.length + " bytes, the fixture " + fixture + " " + want.length);
        }
        int differing = 0;
        for (int i = at; i < Math.min(want.length, got.length); i++) {
            differing += want[i] != got[i] ? 1 : 0;
        }
        long wordAt = at & ~7L;
        fail(what + " differs from " + fixture.getFileName() + " first at offset " + at + " (0x" + Integer.toHexString(at)
                + ", " + GoldenScenario.structureAt(at) + "): 0x" + String.format("%02x", got[at] & 0xFF)
                + ", expected 0x" + String.format("%02x", want[at] & 0xFF) + "; the 8-byte word at " + wordAt + ": 0x"
                + word(got, (int) wordAt) + ", expected 0x" + word(want, (int) wordAt) + "; " + differing
                + " bytes differ in all");
    }

    private static String word(byte[] b, int at) {
        if (at + 8 > b.length) {
            return "?";
        }
        return Long.toHexString(java.nio.ByteBuffer.wrap(b, at, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
    }

    private static int permissions(Path file) throws IOException {
        int mode = 0;
        for (var p : Files.getPosixFilePermissions(file)) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }
}
