package io.dataport.region.nativemap;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A UIO device (Linux userspace I/O) found in sysfs: {@code /sys/class/uio/uioN/name} names it and
 * {@code maps/mapM/{name,addr,size,offset}} describe its memory regions (hexadecimal values). Its
 * node {@code /dev/uioN} maps region <i>M</i> at offset <i>M</i> &times; page size, which
 * {@link #mapRegion} does through {@link NativeMapping}.
 *
 * <p>The sysfs root is a parameter so that tests can use a fake tree; {@link #DEFAULT_SYSFS_ROOT}
 * and {@link #DEFAULT_DEV_ROOT} are the real ones.
 */
public final class UioDevice {
    /** Where the kernel lists UIO devices. */
    public static final Path DEFAULT_SYSFS_ROOT = Paths.get("/sys/class/uio");
    /** Where their nodes are. */
    public static final Path DEFAULT_DEV_ROOT = Paths.get("/dev");

    private static final Pattern DEVICE = Pattern.compile("uio(\\d+)");
    private static final Pattern MAP = Pattern.compile("map(\\d+)");

    /**
     * One memory region of the device.
     *
     * @param index  M in {@code mapM}: the region is at offset M &times; page size in the node
     * @param name   the driver's name for it ({@code maps/mapM/name}; empty if the driver gave none)
     * @param size   its size in bytes ({@code maps/mapM/size})
     * @param offset where the region starts within its first page ({@code maps/mapM/offset}; 0 when
     *               the region is page-aligned, which {@link UioDevice#mapRegion} requires)
     */
    public record Map(int index, String name, long size, long offset) {
    }

    private final int number;
    private final String name;
    private final Path directory;
    private final List<Map> maps;

    private UioDevice(int number, String name, Path directory, List<Map> maps) {
        this.number = number;
        this.name = name;
        this.directory = directory;
        this.maps = maps;
    }

    /** Every UIO device under {@code sysfsRoot}, by number; empty if there is none (or no root). */
    public static List<UioDevice> list(Path sysfsRoot) {
        List<UioDevice> devices = new ArrayList<>();
        if (!Files.isDirectory(sysfsRoot)) {
            return devices;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(sysfsRoot)) {
            for (Path entry : entries) {
                Matcher m = DEVICE.matcher(entry.getFileName().toString());
                if (m.matches() && Files.isDirectory(entry)) {
                    devices.add(read(Integer.parseInt(m.group(1)), entry));
                }
            }
        } catch (IOException e) {
            throw new RegionMapException(sysfsRoot + ": cannot list UIO devices: " + e, e);
        }
        devices.sort(Comparator.comparingInt(UioDevice::number));
        return devices;
    }

    /** Every UIO device under {@link #DEFAULT_SYSFS_ROOT}. */
    public static List<UioDevice> list() {
        return list(DEFAULT_SYSFS_ROOT);
    }

    /**
     * The one UIO device called {@code name} under {@code sysfsRoot}.
     *
     * @throws RegionMapException if there is none, or more than one, listing what was found
     */
    public static UioDevice byName(Path sysfsRoot, String name) {
        List<UioDevice> all = list(sysfsRoot);
        List<UioDevice> named = new ArrayList<>();
        for (UioDevice d : all) {
            if (d.name.equals(name)) {
                named.add(d);
            }
        }
        if (named.size() == 1) {
            return named.get(0);
        }
        if (named.isEmpty()) {
            throw new RegionMapException(sysfsRoot + ": no UIO device named \"" + name + "\"; found "
                    + describe(all) + (all.isEmpty() ? " (is the UIO driver loaded?)" : ""));
        }
        throw new RegionMapException(sysfsRoot + ": " + named.size() + " UIO devices are named \"" + name
                + "\": " + describe(named) + "; pick one by number from list()");
    }

    /** {@link #byName(Path, String)} under {@link #DEFAULT_SYSFS_ROOT}. */
    public static UioDevice byName(String name) {
        return byName(DEFAULT_SYSFS_ROOT, name);
    }

    private static String describe(List<UioDevice> devices) {
        if (devices.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        for (UioDevice d : devices) {
            parts.add("uio" + d.number + " \"" + d.name + "\"");
        }
        return String.join(", ", parts);
    }

    private static UioDevice read(int number, Path directory) {
        String name = Sysfs.read(directory.resolve("name"));
        List<Map> maps = new ArrayList<>();
        Path mapsDir = directory.resolve("maps");
        if (Files.isDirectory(mapsDir)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(mapsDir)) {
                for (Path entry : entries) {
                    Matcher m = MAP.matcher(entry.getFileName().toString());
                    if (m.matches() && Files.isDirectory(entry)) {
                        String mapName = Sysfs.readOrNull(entry.resolve("name"));
                        Path offsetFile = entry.resolve("offset");
                        long offset = Files.exists(offsetFile) ? Sysfs.readHex(offsetFile) : 0;
                        maps.add(new Map(Integer.parseInt(m.group(1)), mapName == null ? "" : mapName,
                                Sysfs.readHex(entry.resolve("size")), offset));
                    }
                }
            } catch (IOException e) {
                throw new RegionMapException(mapsDir + ": cannot list the maps: " + e, e);
            }
        }
        maps.sort(Comparator.comparingInt(Map::index));
        return new UioDevice(number, name, directory, Collections.unmodifiableList(maps));
    }

    /** N in {@code uioN}. */
    public int number() {
        return number;
    }

    /** The driver's name for the device ({@code uioN/name}). */
    public String name() {
        return name;
    }

    /** The device's sysfs directory. */
    public Path directory() {
        return directory;
    }

    /** Its memory regions, by index. */
    public List<Map> maps() {
        return maps;
    }

    /**
     * The map with this index.
     *
     * @throws RegionMapException if there is none, listing those there are
     */
    public Map map(int mapIndex) {
        for (Map m : maps) {
            if (m.index() == mapIndex) {
                return m;
            }
        }
        List<String> found = new ArrayList<>();
        for (Map m : maps) {
            found.add("map" + m.index() + " \"" + m.name() + "\" (" + m.size() + " bytes)");
        }
        throw new RegionMapException(directory + ": uio" + number + " has no map" + mapIndex + "; it has "
                + (found.isEmpty() ? "none" : String.join(", ", found)));
    }

    /** The node, {@code devRoot/uioN}. */
    public Path node(Path devRoot) {
        return devRoot.resolve("uio" + number);
    }

    /**
     * Maps region {@code mapIndex} from {@code devRoot/uioN}: its whole size, at offset
     * {@code mapIndex} &times; page size (the UIO convention).
     *
     * @throws RegionMapException if there is no such map, it does not start on a page boundary
     *         (a non-zero {@code offset} attribute), or the mapping fails
     */
    public NativeMapping mapRegion(int mapIndex, Path devRoot) {
        Map m = map(mapIndex);
        if (m.offset() != 0) {
            throw new RegionMapException(directory + ": map" + mapIndex + " of uio" + number + " starts "
                    + m.offset() + " bytes into its page; only page-aligned regions can be mapped here");
        }
        long pageSize = NativeMapping.pageSize();
        return NativeMapping.map(node(devRoot), mapIndex * pageSize, m.size());
    }

    /** {@link #mapRegion(int, Path)} from {@link #DEFAULT_DEV_ROOT}. */
    public NativeMapping mapRegion(int mapIndex) {
        return mapRegion(mapIndex, DEFAULT_DEV_ROOT);
    }

    @Override
    public String toString() {
        return "uio" + number + " \"" + name + "\" " + maps;
    }
}
