package io.dataport.region.nativemap;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ivshmem discovery over a fake {@code /sys} tree laid out like the kernel's: device directories
 * under {@code devices/pci0000:00/} and symbolic links to them in {@code bus/pci/devices/}.
 */
class IvshmemDeviceTest {
    @TempDir
    Path dir;

    private Path root() throws IOException {
        return FakeFs.dir(dir.resolve("sys/bus/pci/devices"));
    }

    /** A PCI device with a 1 MiB BAR 2 backed by a {@code resource2} file of that size. */
    private Path device(Path root, String address, String vendor, String device, String enable) throws IOException {
        Path real = FakeFs.dir(dir.resolve("sys/devices/pci0000:00/" + address));
        FakeFs.file(real.resolve("vendor"), vendor + "\n");
        FakeFs.file(real.resolve("device"), device + "\n");
        FakeFs.file(real.resolve("enable"), enable + "\n");
        FakeFs.file(real.resolve("resource"), String.join("",
                "0x00000000febf1000 0x00000000febf10ff 0x0000000000040200\n",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
                "0x0000000800000000 0x00000008000fffff 0x000000000014220c\n",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"));
        FakeFs.sized(real.resolve("resource2"), 1 << 20);
        Files.createSymbolicLink(root.resolve(address), root.relativize(real));
        return real;
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file);
    }

    @Test
    void findsIvshmemDevicesOnlyInAddressOrder() throws IOException {
        Path root = root();
        device(root, "0000:00:11.0", "0x1af4", "0x1110", "0");
        device(root, "0000:00:10.0", "0x1af4", "0x1110", "0");
        device(root, "0000:00:02.0", "0x1af4", "0x1000", "1"); // virtio-net: same vendor, other device
        device(root, "0000:00:03.0", "0x8086", "0x1110", "1"); // other vendor, same device id
        List<IvshmemDevice> found = IvshmemDevice.list(root);
        assertEquals(List.of("0000:00:10.0", "0000:00:11.0"), found.stream().map(IvshmemDevice::address).toList());
    }

    @Test
    void noRootMeansNoDevices() {
        assertEquals(List.of(), IvshmemDevice.list(dir.resolve("absent")));
    }

    @Test
    void byAddressAcceptsTheShortForm() throws IOException {
        Path root = root();
        device(root, "0000:00:10.0", "0x1af4", "0x1110", "0");
        assertEquals("0000:00:10.0", IvshmemDevice.byAddress(root, "00:10.0").address());
        assertEquals(root.resolve("0000:00:10.0"), IvshmemDevice.byAddress(root, "0000:00:10.0").directory());
    }

    @Test
    void notFoundListsTheIvshmemDevices() throws IOException {
        Path root = root();
        device(root, "0000:00:10.0", "0x1af4", "0x1110", "0");
        device(root, "0000:00:11.0", "0x1af4", "0x1110", "0");
        RegionMapException e = assertThrows(RegionMapException.class, () -> IvshmemDevice.byAddress(root, "0000:00:12.0"));
        assertTrue(e.getMessage().startsWith(root.resolve("0000:00:12.0") + ": no PCI device at 0000:00:12.0;"
                + " ivshmem devices found: 0000:00:10.0, 0000:00:11.0"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void wrongVendorIsRefusedNamingWhatItIs() throws IOException {
        Path root = root();
        device(root, "0000:00:03.0", "0x8086", "0x1110", "1");
        RegionMapException e = assertThrows(RegionMapException.class, () -> IvshmemDevice.byAddress(root, "0000:00:03.0"));
        assertTrue(e.getMessage().contains("is 0x8086:0x1110, not ivshmem (0x1af4:0x1110); ivshmem devices found: none"),
                e.getMessage());
    }

    @Test
    void enableWritesOneAndReturnsResource2() throws IOException {
        Path root = root();
        Path real = device(root, "0000:00:10.0", "0x1af4", "0x1110", "0");
        IvshmemDevice d = IvshmemDevice.byAddress(root, "0000:00:10.0");
        assertFalse(d.isEnabled());
        Path resource = d.enableAndGetResource();
        assertEquals("1", read(real.resolve("enable")));
        assertTrue(d.isEnabled());
        assertEquals(root.resolve("0000:00:10.0/resource2"), resource);
        // the path the notes describe: FileChannel.size() gives the BAR, and FileChannel.map works
        try (FileChannel ch = FileChannel.open(resource, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertEquals(1 << 20, ch.size());
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
            b.putInt(0, 42);
        }
    }

    @Test
    void enableIsSkippedWhenAlreadyEnabled() throws IOException {
        Path root = root();
        Path real = device(root, "0000:00:10.0", "0x1af4", "0x1110", "1");
        IvshmemDevice.byAddress(root, "0000:00:10.0").enableAndGetResource();
        assertEquals("1\n", read(real.resolve("enable"))); // a write would have left "1"
        Files.writeString(real.resolve("enable"), "2\n"); // the kernel counts enables
        IvshmemDevice.byAddress(root, "0000:00:10.0").enableAndGetResource();
        assertEquals("2\n", read(real.resolve("enable")));
    }

    @Test
    void missingResource2IsReported() throws IOException {
        Path root = root();
        Path real = device(root, "0000:00:10.0", "0x1af4", "0x1110", "1");
        Files.delete(real.resolve("resource2"));
        RegionMapException e = assertThrows(RegionMapException.class,
                () -> IvshmemDevice.byAddress(root, "0000:00:10.0").enableAndGetResource());
        assertTrue(e.getMessage().startsWith(root.resolve("0000:00:10.0/resource2") + ": missing"), e.getMessage());
    }

    @Test
    void barSizeFromTheResourceTableOrElseTheFile() throws IOException {
        Path root = root();
        Path real = device(root, "0000:00:10.0", "0x1af4", "0x1110", "1");
        IvshmemDevice d = IvshmemDevice.byAddress(root, "0000:00:10.0");
        Files.delete(real.resolve("resource2"));
        FakeFs.sized(real.resolve("resource2"), 4096); // differs from the table: the table wins
        assertEquals(1 << 20, d.barSize());
        Files.delete(real.resolve("resource"));
        assertEquals(4096, d.barSize());
    }
}
