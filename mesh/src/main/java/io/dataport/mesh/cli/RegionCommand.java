package io.dataport.mesh.cli;

import io.dataport.queue.DataportException;
import io.dataport.queue.Region;
import io.dataport.queue.RegionGeometry;
import io.dataport.queue.RegionOptions;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dataport region create|info|zero}: the tool that makes, shows and clears region files (a
 * host file in /dev/shm backing an ivshmem device, or linking processes of one host). Written on
 * picocli; exit codes 0 (done), 1 (it failed, one line saying why), 2 (bad usage).
 */
@Command(name = "region", mixinStandardHelpOptions = true, version = "dataport region, layout version 2",
        description = "Create, show or zero a region file (docs/regions.md).",
        subcommands = {RegionCommand.Create.class, RegionCommand.Info.class, RegionCommand.Zero.class})
final class RegionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a subcommand: create, info or zero");
    }

    /** Runs the command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new RegionCommand())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    if (e instanceof DataportException || e instanceof IllegalArgumentException) {
                        commandLine.getErr().println("dataport region: " + e.getMessage());
                        return 1;
                    }
                    throw e;
                });
        cli.setCommandName("dataport region");
        return cli.execute(args);
    }

    /** A size such as 16m, 64k or 65536. */
    static long bytes(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        long unit = t.endsWith("k") ? 1L << 10 : t.endsWith("m") ? 1L << 20 : t.endsWith("g") ? 1L << 30 : 1;
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(digits), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("size '" + text + "' is not a number of bytes (e.g. 16m, 64k, 65536)");
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a zero-filled region file (mode 0600), sized for a pair of rings.",
            footer = {"", "Examples:", "  dataport region create /dev/shm/pair-0-1.region --size 16m",
                    "  dataport region create /dev/shm/pair-0-1.region --ring 64k   (3 pages + 2 x 64 KiB: nothing wasted)"})
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATH", description = "the file to create (it must not exist)")
        Path path;

        @Option(names = "--size", paramLabel = "BYTES", description = "the region's size, a multiple of 4096 (a power of two for an ivshmem BAR)")
        String size;

        @Option(names = "--ring", paramLabel = "BYTES", description = "instead of --size: the capacity of each of the pair's two rings")
        String ring;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if ((size == null) == (ring == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --size and --ring");
            }
            long bytes;
            if (ring != null) {
                long capacity = bytes(ring);
                if (capacity > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("ring capacity " + capacity + " is too large");
                }
                bytes = RegionGeometry.sizeFor((int) capacity, (int) capacity);
            } else {
                bytes = bytes(size);
            }
            RegionGeometry pair = RegionGeometry.pair(bytes, 0, 1, 0); // refuses a size too small for two rings
            Region.createFile(path, bytes);
            spec.commandLine().getOut().printf("created %s: %d bytes, 0600; a pair in it gets rings of %d bytes%n",
                    path, bytes, pair.rings().get(0).capacity());
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Show a region's directory and, per ring, positions and who holds each role.")
    static final class Info implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATH", description = "the region file (or a PCI resource file)")
        Path path;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            RegionOptions look = RegionOptions.lookOnly();
            try (Region region = Region.open(path, null, look)) {
                PrintWriter out = spec.commandLine().getOut();
                RegionGeometry g = region.geometry();
                out.printf("%s: %d bytes, format generation %d, tag %d, %d rings%n", path, g.size(), region.generation(),
                        g.tag(), g.rings().size());
                for (int i = 0; i < g.rings().size(); i++) {
                    Region.RingStatus s = region.status(i);
                    out.printf("  ring %d (id %d): node %d -> node %d, capacity %d, max record %d; %d bytes unread;"
                            + " producer %s; consumer %s%n", i, s.ring().id(), s.ring().producerNode(), s.ring().consumerNode(),
                            s.ring().capacity(), s.ring().maxRecordLength(), s.unread(),
                            role(s.producerHolder(), s.producerEpoch(), s.producerHeartbeat()),
                            role(s.consumerHolder(), s.consumerEpoch(), s.consumerHeartbeat()));
                }
            }
            return 0;
        }

        private static String role(int holder, long epoch, long heartbeat) {
            return holder == 0 ? "free (epoch " + epoch + ")"
                    : "held by " + Integer.toHexString(holder) + " (epoch " + epoch + ", heartbeat " + heartbeat + ")";
        }
    }

    @Command(name = "zero", mixinStandardHelpOptions = true,
            description = "Write zeros over a region file (its size is kept), so it can be formatted again,"
                    + " for instance with another geometry. Every record in it is lost.")
    static final class Zero implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATH", description = "the region file")
        Path path;

        @Option(names = "--force", description = "zero it even though a role in it is held (its holder may be alive)")
        boolean force;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException(path + ": not a region file (no such regular file)");
            }
            if (!force) {
                RegionOptions look = RegionOptions.lookOnly();
                try (Region region = Region.open(path, null, look)) {
                    for (int i = 0; i < region.geometry().rings().size(); i++) {
                        Region.RingStatus s = region.status(i);
                        if (s.producerHolder() != 0 || s.consumerHolder() != 0) {
                            throw new IllegalArgumentException(path + ": ring " + i + " has a role held (producer "
                                    + Integer.toHexString(s.producerHolder()) + ", consumer "
                                    + Integer.toHexString(s.consumerHolder()) + "); stop its peers, or give --force");
                        }
                    }
                } catch (DataportException notOurs) {
                    // not formatted, corrupt or foreign: nothing that a peer could be using through us
                }
            }
            Region.zeroFile(path);
            spec.commandLine().getOut().println("zeroed " + path);
            return 0;
        }
    }
}
