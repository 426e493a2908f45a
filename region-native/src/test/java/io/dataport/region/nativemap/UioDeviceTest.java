package io.dataport.region.nativemap;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UIO discovery over a fake {@code /sys/class/uio} tree, and mapping from a fake {@code /dev}. */
class UioDeviceTest {
    @TempDir
    Path dir;

    private Path sysfs() throws IOException {
        return FakeFs.dir(dir.resolve("sys/class/uio"));
    }

    private void device(Path sysfs, int n, String name, long... mapSizes) throws IOException {
        Path d = FakeFs.dir(sysfs.resolve("uio" + n));
        FakeFs.file(d.resolve("name"), name + "\n");
        FakeFs.file(d.resolve("version"), "0.0.1\n");
        for (int m = 0; m < mapSizes.length; m++) {
            Path map = FakeFs.dir(d.resolve("maps/map" + m));
            FakeFs.file(map.resolve("name"), "region" + m + "\n");
            FakeFs.file(map.resolve("addr"), String.format("0x%016x%n", 0xfe000000L + m * 0x100000L));
            FakeFs.file(map.resolve("size"), String.format("0x%016x%n", mapSizes[m]));
            FakeFs.file(map.resolve("offset"), "0x0\n");
        }
    }

    @Test
    void findsADeviceByNameWithItsMaps() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 0, "other", 0x1000);
        device(sysfs, 1, "dataport_ab", 0x1000, 0x4000);
        UioDevice d = UioDevice.byName(sysfs, "dataport_ab");
        assertEquals(1, d.number());
        assertEquals("dataport_ab", d.name());
        assertEquals(List.of(new UioDevice.Map(0, "region0", 0x1000, 0), new UioDevice.Map(1, "region1", 0x4000, 0)),
                d.maps());
        assertEquals(dir.resolve("dev/uio1"), d.node(dir.resolve("dev")));
    }

    @Test
    void listsDevicesInNumericOrderAndIgnoresOtherEntries() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 10, "ten", 0x1000);
        device(sysfs, 2, "two", 0x1000);
        FakeFs.file(sysfs.resolve("uio3"), "a file, not a device\n");
        FakeFs.dir(sysfs.resolve("notuio"));
        List<UioDevice> all = UioDevice.list(sysfs);
        assertEquals(List.of(2, 10), all.stream().map(UioDevice::number).toList());
    }

    @Test
    void noRootMeansNoDevices() {
        assertEquals(List.of(), UioDevice.list(dir.resolve("absent")));
    }

    @Test
    void notFoundListsWhatWasFound() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 0, "alpha", 0x1000);
        device(sysfs, 1, "beta", 0x1000);
        RegionMapException e = assertThrows(RegionMapException.class, () -> UioDevice.byName(sysfs, "gamma"));
        assertEquals(sysfs + ": no UIO device named \"gamma\"; found uio0 \"alpha\", uio1 \"beta\"", e.getMessage());
    }

    @Test
    void notFoundInAnEmptyTreeSaysSo() throws IOException {
        Path sysfs = sysfs();
        RegionMapException e = assertThrows(RegionMapException.class, () -> UioDevice.byName(sysfs, "gamma"));
        assertTrue(e.getMessage().contains("found none (is the UIO driver loaded?)"), e.getMessage());
    }

    @Test
    void twoDevicesWithOneNameAreAmbiguous() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 0, "same", 0x1000);
        device(sysfs, 1, "same", 0x1000);
        RegionMapException e = assertThrows(RegionMapException.class, () -> UioDevice.byName(sysfs, "same"));
        assertTrue(e.getMessage().contains("2 UIO devices are named \"same\": uio0 \"same\", uio1 \"same\""),
                e.getMessage());
    }

    @Test
    void badHexIsReportedWithItsFile() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 0, "x", 0x1000);
        Path size = sysfs.resolve("uio0/maps/map0/size");
        java.nio.file.Files.writeString(size, "lots\n");
        RegionMapException e = assertThrows(RegionMapException.class, () -> UioDevice.list(sysfs));
        assertTrue(e.getMessage().startsWith(size + ": expected a hexadecimal number"), e.getMessage());
    }

    @Test
    void mapsRegionMAtMPages() throws IOException {
        long page = NativeMapping.pageSize();
        Path sysfs = sysfs();
        device(sysfs, 0, "dp", 0x1000, 2 * page);
        Path dev = FakeFs.dir(dir.resolve("dev"));
        Path node = FakeFs.sized(dev.resolve("uio0"), 3 * page); // map0: page 0; map1: pages 1-2
        UioDevice d = UioDevice.byName(sysfs, "dp");
        try (NativeMapping m = d.mapRegion(1, dev)) {
            assertEquals(node, m.node());
            assertEquals(page, m.offset());
            assertEquals(2 * page, m.length());
            m.buffer().order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0xABCDL);
        }
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(node, StandardOpenOption.READ)) {
            ch.read(b, page);
        }
        assertEquals(0xABCDL, b.flip().getLong());
    }

    @Test
    void missingMapListsTheMaps() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 0, "dp", 0x1000);
        UioDevice d = UioDevice.byName(sysfs, "dp");
        RegionMapException e = assertThrows(RegionMapException.class, () -> d.mapRegion(3, dir));
        assertTrue(e.getMessage().endsWith("uio0 has no map3; it has map0 \"region0\" (4096 bytes)"), e.getMessage());
    }

    @Test
    void regionNotStartingOnAPageIsRefused() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 0, "dp", 0x1000);
        java.nio.file.Files.writeString(sysfs.resolve("uio0/maps/map0/offset"), "0x0000000000000100\n");
        UioDevice d = UioDevice.byName(sysfs, "dp");
        assertEquals(0x100, d.map(0).offset());
        RegionMapException e = assertThrows(RegionMapException.class, () -> d.mapRegion(0, dir));
        assertTrue(e.getMessage().contains("starts 256 bytes into its page"), e.getMessage());
    }

    @Test
    void missingNodeNamesIt() throws IOException {
        Path sysfs = sysfs();
        device(sysfs, 4, "dp", 0x1000);
        Path dev = FakeFs.dir(dir.resolve("dev"));
        RegionMapException e = assertThrows(RegionMapException.class,
                () -> UioDevice.byName(sysfs, "dp").mapRegion(0, dev));
        assertTrue(e.getMessage().startsWith(dev.resolve("uio4") + ": cannot open read-write: No such file"),
                e.getMessage());
    }
}
