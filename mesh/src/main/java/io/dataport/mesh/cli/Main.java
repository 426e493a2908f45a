package io.dataport.mesh.cli;

import java.util.Arrays;

/** The {@code ./dataport} command line. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "demo" -> System.exit(RingDemo.run(rest));
            case "ring-produce" -> RingDemo.produce(rest);
            case "ring-consume" -> RingDemo.consume(rest);
            case "help", "-h", "--help" -> usage(0);
            default -> {
                System.err.println("dataport: unknown command '" + command + "'");
                usage(2);
            }
        }
    }

    private static void usage(int status) {
        System.out.println("""
                usage: ./dataport <command> [options]
                  demo [-t seconds] [-s sizes]   two processes stream records through one ring file
                                                 at each size (default 64,1500,65536 bytes) and print
                                                 records/s and Gbit/s
                """);
        System.exit(status);
    }
}
