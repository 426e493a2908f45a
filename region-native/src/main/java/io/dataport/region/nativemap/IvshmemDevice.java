package io.dataport.region.nativemap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A QEMU ivshmem PCI device ({@code ivshmem-plain} or {@code ivshmem-doorbell}: vendor
 * {@code 0x1af4}, device {@code 0x1110}) found in sysfs. Its BAR 2 is the shared memory; the kernel
 * exposes it as the file {@code resource2} in the device's directory, whose size
 * {@link java.nio.channels.FileChannel#size()} reports, so {@code FileChannel.map} maps it once the
 * device is enabled: no native code is needed on this path (the class is plain Java).
 *
 * <p>Entries of the sysfs root ({@code /sys/bus/pci/devices}) are symbolic links named by PCI
 * address ({@code 0000:00:10.0}) to the device directories; the root is a parameter so that tests
 * can use a fake tree.
 */
public final class IvshmemDevice {
    /** Where the kernel lists PCI devices. */
    public static final Path DEFAULT_SYSFS_ROOT = Paths.get("/sys/bus/pci/devices");
    /** Red Hat, Inc. (virtio and QEMU devices). */
    public static final int VENDOR = 0x1af4;
    /** The Inter-VM shared memory device. */
    public static final int DEVICE = 0x1110;
    /** The BAR holding the shared memory. */
    public static final int SHARED_MEMORY_BAR = 2;

    private final String address;
    private final Path directory;

    private IvshmemDevice(String address, Path directory) {
        this.address = address;
        this.directory = directory;
    }

    /** Every ivshmem device under {@code sysfsRoot}, by PCI address; empty if there is none. */
    public static List<IvshmemDevice> list(Path sysfsRoot) {
        List<IvshmemDevice> devices = new ArrayList<>();
        if (!Files.isDirectory(sysfsRoot)) {
            return devices;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(sysfsRoot)) {
            for (Path entry : entries) {
                if (isIvshmem(entry)) {
                    devices.add(new IvshmemDevice(entry.getFileName().toString(), entry));
                }
            }
        } catch (IOException e) {
            throw new RegionMapException(sysfsRoot + ": cannot list PCI devices: " + e, e);
        }
        devices.sort(Comparator.comparing(IvshmemDevice::address));
        return devices;
    }

    /** Every ivshmem device under {@link #DEFAULT_SYSFS_ROOT}. */
    public static List<IvshmemDevice> list() {
        return list(DEFAULT_SYSFS_ROOT);
    }

    /**
     * The ivshmem device at {@code pciAddress} ({@code 0000:00:10.0}; {@code 00:10.0} means domain
     * 0000).
     *
     * @throws RegionMapException if there is no device there, or it is not an ivshmem device; the
     *         message lists the ivshmem devices found
     */
    public static IvshmemDevice byAddress(Path sysfsRoot, String pciAddress) {
        String address = pciAddress.strip().toLowerCase(Locale.ROOT);
        if (address.indexOf(':') == address.lastIndexOf(':')) {
            address = "0000:" + address; // bus:slot.function, without the domain
        }
        Path entry = sysfsRoot.resolve(address);
        if (!Files.isDirectory(entry)) {
            throw new RegionMapException(entry + ": no PCI device at " + address + "; ivshmem devices found: "
                    + describe(list(sysfsRoot)) + " (QEMU: -device ivshmem-plain,memdev=ID,addr=0x10)");
        }
        if (!isIvshmem(entry)) {
            throw new RegionMapException(entry + ": PCI device " + address + " is "
                    + Sysfs.readOrNull(entry.resolve("vendor")) + ":" + Sysfs.readOrNull(entry.resolve("device"))
                    + ", not ivshmem (0x1af4:0x1110); ivshmem devices found: " + describe(list(sysfsRoot)));
        }
        return new IvshmemDevice(address, entry);
    }

    /** {@link #byAddress(Path, String)} under {@link #DEFAULT_SYSFS_ROOT}. */
    public static IvshmemDevice byAddress(String pciAddress) {
        return byAddress(DEFAULT_SYSFS_ROOT, pciAddress);
    }

    private static boolean isIvshmem(Path entry) {
        return Files.isDirectory(entry)
                && hexEquals(Sysfs.readOrNull(entry.resolve("vendor")), VENDOR)
                && hexEquals(Sysfs.readOrNull(entry.resolve("device")), DEVICE);
    }

    private static boolean hexEquals(String text, int expected) {
        if (text == null) {
            return false;
        }
        String digits = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
        try {
            return Long.parseLong(digits, 16) == expected;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String describe(List<IvshmemDevice> devices) {
        if (devices.isEmpty()) {
            return "none";
        }
        List<String> addresses = new ArrayList<>();
        for (IvshmemDevice d : devices) {
            addresses.add(d.address);
        }
        return String.join(", ", addresses);
    }

    /** The PCI address, such as {@code 0000:00:10.0}. */
    public String address() {
        return address;
    }

    /** The device's entry under the sysfs root (a symbolic link on a real system). */
    public Path directory() {
        return directory;
    }

    /** The shared memory's file, {@code resource2} (it may not be usable before {@link #enable()}). */
    public Path resource() {
        return directory.resolve("resource" + SHARED_MEMORY_BAR);
    }

    /** Whether the device is enabled ({@code enable} reads a count above 0). */
    public boolean isEnabled() {
        String text = Sysfs.read(directory.resolve("enable"));
        try {
            return Long.parseLong(text) > 0;
        } catch (NumberFormatException e) {
            throw new RegionMapException(directory.resolve("enable") + ": expected a number, found \"" + text + "\"", e);
        }
    }

    /**
     * Enables the device (writes {@code 1} to {@code enable}) unless it already is; the PCI core
     * counts enables, so writing again when enabled would only raise the count.
     *
     * @throws RegionMapException if {@code enable} cannot be read or written (root is needed)
     */
    public void enable() {
        if (isEnabled()) {
            return;
        }
        Path enable = directory.resolve("enable");
        try {
            Files.write(enable, "1".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (AccessDeniedException e) {
            throw new RegionMapException(enable + ": permission denied writing 1; enabling a PCI device"
                    + " needs root (or enable it once at boot: echo 1 > " + enable + ")", e);
        } catch (IOException e) {
            throw new RegionMapException(enable + ": cannot write 1: " + e, e);
        }
    }

    /**
     * Enables the device if needed and returns its shared memory's file ({@code resource2}), which
     * {@code FileChannel.open(path, READ, WRITE).map(READ_WRITE, 0, channel.size())} maps.
     *
     * @throws RegionMapException if the device cannot be enabled or has no {@code resource2}
     */
    public Path enableAndGetResource() {
        enable();
        Path resource = resource();
        if (!Files.exists(resource)) {
            throw new RegionMapException(resource + ": missing: ivshmem device " + address + " has no BAR 2"
                    + " (is it an ivshmem device with a memdev or shm backend?)");
        }
        return resource;
    }

    /**
     * The shared memory's size in bytes: BAR 2's range from the {@code resource} file (its third
     * line: start, end and flags in hexadecimal), or else the size of {@code resource2}.
     *
     * @throws RegionMapException if neither gives a size
     */
    public long barSize() {
        Path resourceTable = directory.resolve("resource");
        String table = Sysfs.readOrNull(resourceTable);
        if (table != null) {
            String[] lines = table.split("\n");
            if (lines.length > SHARED_MEMORY_BAR) {
                String[] fields = lines[SHARED_MEMORY_BAR].strip().split("\\s+");
                if (fields.length >= 2) {
                    long start = Sysfs.parseHex(resourceTable, fields[0]);
                    long end = Sysfs.parseHex(resourceTable, fields[1]);
                    if (end > start) {
                        return end - start + 1;
                    }
                }
            }
        }
        Path resource = resource();
        try {
            return Files.size(resource);
        } catch (IOException e) {
            throw new RegionMapException(resource + ": cannot tell BAR 2's size: no range in " + resourceTable
                    + " and " + e, e);
        }
    }

    @Override
    public String toString() {
        return "ivshmem " + address;
    }
}
