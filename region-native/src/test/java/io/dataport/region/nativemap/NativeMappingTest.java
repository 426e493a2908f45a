package io.dataport.region.nativemap;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NativeMapping} on a regular file standing in for a device node: the same open/mmap/munmap
 * calls, and stores checked through an independent path (FileChannel reads of the file).
 */
class NativeMappingTest {
    @TempDir
    Path dir;

    private final long page = NativeMapping.pageSize();

    private static long readLong(Path file, long position) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b, position + b.position()) < 0) {
                    throw new IOException("end of file");
                }
            }
        }
        return b.flip().getLong();
    }

    @Test
    void pageSizeIsAPowerOfTwo() {
        assertTrue(page >= 4096 && Long.bitCount(page) == 1, "page size " + page);
    }

    @Test
    void mapsAtOffsetZeroAndStoresReachTheFile() throws IOException {
        Path node = FakeFs.sized(dir.resolve("dataport0"), 4 * page);
        try (NativeMapping m = NativeMapping.map(node, 0, 4 * page)) {
            assertEquals(node, m.node());
            assertEquals(0, m.offset());
            assertEquals(4 * page, m.length());
            ByteBuffer b = m.buffer().order(ByteOrder.LITTLE_ENDIAN);
            assertTrue(b.isDirect());
            assertEquals(0, b.position());
            assertEquals(4 * page, b.limit());
            assertEquals(4 * page, b.capacity());
            b.putLong(0, 0x1122334455667788L);
            b.putLong((int) (4 * page - 8), -2L);
            assertEquals(0x1122334455667788L, readLong(node, 0));
            assertEquals(-2L, readLong(node, 4 * page - 8));
        }
    }

    @Test
    void mapsAtAPageAlignedOffset() throws IOException {
        Path node = FakeFs.sized(dir.resolve("uio0"), 3 * page);
        try (NativeMapping whole = NativeMapping.map(node, 0, 3 * page);
             NativeMapping window = NativeMapping.map(node, 2 * page, page)) {
            assertEquals(2 * page, window.offset());
            assertEquals(page, window.length());
            window.buffer().order(ByteOrder.LITTLE_ENDIAN).putLong(8, 0xCAFEL);
            // byte 8 of the window is byte 2 * page + 8 of the node, and nowhere else
            assertEquals(0xCAFEL, readLong(node, 2 * page + 8));
            assertEquals(0L, readLong(node, 8));
            assertEquals(0xCAFEL, whole.buffer().order(ByteOrder.LITTLE_ENDIAN).getLong((int) (2 * page + 8)));
            // and the other way: a store through the whole mapping shows up at the window's start
            whole.buffer().order(ByteOrder.LITTLE_ENDIAN).putLong((int) (2 * page), 77L);
            assertEquals(77L, window.buffer().order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        }
    }

    @Test
    void twoMappingsOfOneNodeShareTheirStores() throws IOException {
        Path node = FakeFs.sized(dir.resolve("camkes_dp"), page);
        try (NativeMapping a = NativeMapping.map(node, 0, page);
             NativeMapping b = NativeMapping.map(node, 0, page)) {
            ByteBuffer ba = a.buffer().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer bb = b.buffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < page; i += 8) {
                ba.putLong(i, i * 31L + 1);
            }
            for (int i = 0; i < page; i += 8) {
                assertEquals(i * 31L + 1, bb.getLong(i), "offset " + i);
            }
            bb.put(5, (byte) 0x5A);
            assertEquals((byte) 0x5A, ba.get(5));
        }
    }

    @Test
    void buffersAreIndependentViews() throws IOException {
        Path node = FakeFs.sized(dir.resolve("n"), page);
        try (NativeMapping m = NativeMapping.map(node, 0, page)) {
            ByteBuffer one = m.buffer();
            one.position(100);
            assertEquals(0, m.buffer().position());
        }
    }

    @Test
    void lengthNeedNotBeAPageMultiple() throws IOException {
        Path node = FakeFs.sized(dir.resolve("n"), page);
        try (NativeMapping m = NativeMapping.map(node, 0, 100)) {
            assertEquals(100, m.buffer().capacity());
            m.buffer().put(99, (byte) 7);
        }
    }

    @Test
    void closeTwiceIsFineAndBufferAfterCloseThrows() throws IOException {
        Path node = FakeFs.sized(dir.resolve("n"), page);
        NativeMapping m = NativeMapping.map(node, 0, page);
        assertFalse(m.isClosed());
        m.close();
        assertTrue(m.isClosed());
        m.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, m::buffer);
        assertTrue(e.getMessage().contains(node.toString()), e.getMessage());
        assertTrue(m.toString().contains("closed"));
    }

    @Test
    void misalignedOffsetIsRefused() throws IOException {
        Path node = FakeFs.sized(dir.resolve("n"), 2 * page);
        for (long offset : new long[] {1, page - 1, page + 8, -page}) {
            RegionMapException e = assertThrows(RegionMapException.class, () -> NativeMapping.map(node, offset, page));
            assertOneLineNaming(e, node);
            assertTrue(e.getMessage().contains("page size"), e.getMessage());
        }
    }

    @Test
    void lengthOutOfRangeIsRefused() throws IOException {
        Path node = FakeFs.sized(dir.resolve("n"), page);
        for (long length : new long[] {0, -1, Integer.MAX_VALUE + 1L, Long.MAX_VALUE}) {
            RegionMapException e = assertThrows(RegionMapException.class, () -> NativeMapping.map(node, 0, length));
            assertOneLineNaming(e, node);
            assertTrue(e.getMessage().contains("2147483647"), e.getMessage());
        }
    }

    @Test
    void windowPastTheEndOfARegularFileIsRefused() throws IOException {
        Path node = FakeFs.sized(dir.resolve("n"), 2 * page);
        RegionMapException e = assertThrows(RegionMapException.class, () -> NativeMapping.map(node, page, 2 * page));
        assertOneLineNaming(e, node);
        assertTrue(e.getMessage().contains("SIGBUS"), e.getMessage());
    }

    @Test
    void missingNodeGivesTheErrnoText() {
        Path node = dir.resolve("uio9");
        RegionMapException e = assertThrows(RegionMapException.class, () -> NativeMapping.map(node, 0, 4096));
        assertOneLineNaming(e, node);
        assertEquals(Libc.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("No such file or directory (errno 2)"), e.getMessage());
    }

    @Test
    void directoryIsRefused() {
        RegionMapException e = assertThrows(RegionMapException.class, () -> NativeMapping.map(dir, 0, 4096));
        assertOneLineNaming(e, dir);
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    @Test
    void aNodeThatCannotBeMappedGivesTheErrnoText() {
        // /dev/null opens read-write but its driver has no mmap: the same path as an unmappable device
        Path node = Path.of("/dev/null");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(node), "no /dev/null here");
        RegionMapException e = assertThrows(RegionMapException.class, () -> NativeMapping.map(node, 0, 4096));
        assertOneLineNaming(e, node);
        assertEquals(Libc.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("errno 19"), e.getMessage());
    }

    private static void assertOneLineNaming(RegionMapException e, Path node) {
        String message = e.getMessage();
        assertTrue(message.startsWith(node.toString() + ": "), message);
        assertFalse(message.contains("\n"), message);
    }
}
