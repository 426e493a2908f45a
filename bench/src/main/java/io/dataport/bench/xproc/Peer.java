package io.dataport.bench.xproc;

import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/**
 * A child JVM of the comparison: one side of one system (consume, produce, echo, ping) or the copy
 * ceiling. Started by {@link Compare} with
 * {@code role system dir address size mode warmupSeconds seconds}; prints "ready ..." when its
 * endpoint exists and one result line when done; producers and echoers run until the driver kills
 * them by PID, and every child ends when the driver does. Any verification error prints to stderr
 * and exits with status 3.
 */
public final class Peer {
    private Peer() {
    }

    public static void main(String[] args) {
        try {
            if (args.length != 8) {
                throw new IllegalArgumentException("usage: Peer role system dir address size mode warmup seconds");
            }
            // a busy-spinning orphan would eat a core of a shared machine: die with the driver
            ProcessHandle.current().parent().ifPresent(driver -> driver.onExit().thenRun(() -> Runtime.getRuntime().halt(4)));
            String role = args[0];
            MessagingSystem system = role.equals("ceiling") ? null : Systems.byName(args[1]);
            PeerContext ctx = new PeerContext(Path.of(args[2]), args[3].equals("-") ? null : args[3],
                    new Payload(Integer.parseInt(args[4])), Mode.parse(args[5]), Double.parseDouble(args[6]),
                    Double.parseDouble(args[7]));
            System.out.println(run(role, system, ctx));
            System.out.flush();
            System.exit(0);
        } catch (Throwable e) {
            System.err.println("peer " + String.join(" ", args) + ": " + e);
            e.printStackTrace();
            System.exit(3);
        }
    }

    private static String run(String role, MessagingSystem system, PeerContext ctx) throws Exception {
        switch (role) {
            case "consume" -> {
                Sink sink = new Sink(ctx.payload(), ctx.warmupSeconds(), ctx.seconds());
                system.consume(ctx, sink);
                return "result " + sink.messages() + " " + sink.nanos() + " " + sink.verified();
            }
            case "produce" -> {
                try {
                    system.produce(ctx);
                } catch (java.io.IOException e) {
                    // usually the consumer closing its end after its window, just before the driver kills us
                    return "producer stopped: " + e.getMessage();
                }
                return "produced";
            }
            case "echo" -> {
                system.echo(ctx);
                return "echoed";
            }
            case "ping" -> {
                Histogram rtt = new Histogram(3_600_000_000_000L, 3);
                long n = system.ping(ctx, rtt);
                return "pingpong " + n + " " + rtt.getValueAtPercentile(50) + " " + rtt.getValueAtPercentile(99)
                        + " " + rtt.getValueAtPercentile(99.9) + " " + rtt.getMaxValue();
            }
            case "ceiling" -> {
                ctx.ready("-");
                long[] r = CopyCeiling.run(ctx.dir(), ctx.payload(), ctx.warmupSeconds(), ctx.seconds());
                return "ceiling " + r[0] + " " + r[1];
            }
            default -> throw new IllegalArgumentException("unknown role '" + role + "'");
        }
    }
}
