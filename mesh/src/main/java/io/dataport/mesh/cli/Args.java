package io.dataport.mesh.cli;

import io.dataport.mesh.MeshConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options: {@code -x value}, {@code --long value}, flags, and positional words. Every
 * command says which options take a value and which are flags; anything else is an error.
 */
final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    /** The options every mesh command takes: they describe the mesh. */
    static final Set<String> MESH_OPTIONS = Set.of("-d", "--dir", "-n", "--nodes", "--mesh", "--ring",
            "--max-packet", "--batch", "--lease-timeout", "--notify", "--uio-sysfs", "--uio-dev");

    Args(String command, String[] args, Set<String> withValue, Set<String> flags) {
        this.command = command;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (withValue.contains(a)) {
                if (i + 1 >= args.length) {
                    throw new UsageException(command + ": option " + a + " needs a value");
                }
                values.put(canonical(a), args[++i]);
            } else if (flags.contains(a)) {
                values.put(canonical(a), "true");
            } else if (a.startsWith("-") && a.length() > 1 && !isNumber(a)) {
                throw new UsageException(command + ": unknown option '" + a + "'");
            } else {
                positional.add(a);
            }
        }
    }

    private static boolean isNumber(String s) {
        return s.matches("-?[0-9.]+");
    }

    private static String canonical(String option) {
        return switch (option) {
            case "-d" -> "--dir";
            case "-n" -> "--nodes";
            default -> option;
        };
    }

    boolean has(String option) {
        return values.containsKey(canonical(option));
    }

    String string(String option, String otherwise) {
        return values.getOrDefault(canonical(option), otherwise);
    }

    int integer(String option, int otherwise) {
        String v = values.get(canonical(option));
        if (v == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + option + " takes a whole number, not '" + v + "'");
        }
    }

    double decimal(String option, double otherwise) {
        String v = values.get(canonical(option));
        if (v == null) {
            return otherwise;
        }
        try {
            double d = Double.parseDouble(v);
            if (!(d >= 0) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + option + " takes a number of seconds, not '" + v + "'");
        }
    }

    /** A byte count: {@code 1500}, {@code 64k}, {@code 4m}, {@code 1g} (binary multiples). */
    int bytes(String option, int otherwise) {
        String v = values.get(canonical(option));
        return v == null ? otherwise : parseBytes(command, option, v);
    }

    static int parseBytes(String command, String option, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long unit = 1;
        if (s.endsWith("k")) {
            unit = 1 << 10;
        } else if (s.endsWith("m")) {
            unit = 1 << 20;
        } else if (s.endsWith("g")) {
            unit = 1 << 30;
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            long n = Long.parseLong(s) * unit;
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + option + " takes a size in bytes (1500, 64k, 4m), not '" + v + "'");
        }
    }

    List<String> positional() {
        return positional;
    }

    /** The mesh described by the common options. */
    MeshConfig meshConfig() {
        MeshConfig d = MeshConfig.defaults(defaultDir());
        MeshConfig.Notify notify = notify(d.notifier());
        for (String option : new String[] {"--uio-sysfs", "--uio-dev"}) {
            if (has(option) && notify != MeshConfig.Notify.UIO) {
                throw new UsageException(command + ": " + option + " is for links from UIO devices: add --notify uio");
            }
        }
        return new MeshConfig(Path.of(string("--dir", d.dir().toString())), integer("--nodes", d.nodes()),
                string("--mesh", d.name()), bytes("--ring", d.ringCapacity()),
                bytes("--max-packet", d.maxPacketLength()), integer("--batch", d.batchLimit()), d.sendTimeoutNanos(),
                leaseTimeoutNanos(d.leaseTimeoutNanos()), notify, Path.of(string("--uio-sysfs", d.uioSysfs().toString())),
                Path.of(string("--uio-dev", d.uioDev().toString())));
    }

    /** {@code --notify socket|poll|uio}. */
    private MeshConfig.Notify notify(MeshConfig.Notify otherwise) {
        if (!has("--notify")) {
            return otherwise;
        }
        try {
            return MeshConfig.Notify.parse(string("--notify", ""));
        } catch (io.dataport.mesh.MeshException e) {
            throw new UsageException(command + ": " + e.getMessage());
        }
    }

    /** {@code --lease-timeout SECONDS}: more than 0 (a decimal, e.g. 0.5), at most a day. */
    private long leaseTimeoutNanos(long otherwise) {
        if (!has("--lease-timeout")) {
            return otherwise;
        }
        double seconds = decimal("--lease-timeout", 0);
        if (seconds <= 0 || seconds > 86_400) {
            throw new UsageException(command + ": --lease-timeout takes a number of seconds above 0 and at most"
                    + " 86400, not '" + string("--lease-timeout", "") + "'");
        }
        return Math.max(1_000_000L, (long) (seconds * 1e9));
    }

    /** {@code /dev/shm/dataport-mesh} where there is a /dev/shm (memory, not disk), else under the temp dir. */
    static Path defaultDir() {
        return sharedMemoryDir().resolve("dataport-mesh");
    }

    /** /dev/shm if it is a writable directory, else the JVM's temporary directory. */
    static Path sharedMemoryDir() {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return shm;
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** A usage error: the command line is wrong; the message says how. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
