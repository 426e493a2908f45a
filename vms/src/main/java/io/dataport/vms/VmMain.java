package io.dataport.vms;

import picocli.CommandLine;

/**
 * The entry of {@code ./dataport vm-demo} (the {@code dataport} script sends that command here; the
 * other commands stay in the mesh module). Exit codes: 0 ok, 1 the run failed, 2 bad usage.
 */
public final class VmMain {
    private VmMain() {
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        CommandLine cl = new CommandLine(new VmDemo());
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            if (e instanceof VmException) {
                line.getErr().println("dataport vm-demo: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("dataport vm-demo: " + e.getMessage() + " (see ./dataport vm-demo --help)");
            return 2;
        });
        return cl.execute(args);
    }

    /** {@code --version}: the project's version from the jar manifest, or the build's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = VmMain.class.getPackage().getImplementationVersion();
            return new String[] {"dataport vm-demo " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
