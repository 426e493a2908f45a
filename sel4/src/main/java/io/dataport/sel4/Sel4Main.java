package io.dataport.sel4;

import picocli.CommandLine;

/**
 * The entry of {@code ./dataport sel4-demo} (the {@code dataport} script sends that command here).
 * Exit codes: 0 ok, 1 the run failed, 2 bad usage.
 */
public final class Sel4Main {
    private Sel4Main() {
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        CommandLine cl = new CommandLine(new Sel4Demo());
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            if (e instanceof Sel4Exception && !((Sel4Demo) line.getCommand()).debug) {
                line.getErr().println("dataport sel4-demo: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("dataport sel4-demo: " + e.getMessage() + " (see ./dataport sel4-demo --help)");
            return 2;
        });
        return cl.execute(args);
    }

    /** {@code --version}: the project's version from the jar manifest, or the build's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Sel4Main.class.getPackage().getImplementationVersion();
            return new String[] {"dataport sel4-demo " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
