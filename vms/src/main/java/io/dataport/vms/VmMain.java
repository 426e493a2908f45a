package io.dataport.vms;

import io.dataport.mesh.cli.PicocliMain;
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
        return PicocliMain.execute(new VmDemo(), "vm-demo", VmException.class, () -> false, args);
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
