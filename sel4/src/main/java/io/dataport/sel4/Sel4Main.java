package io.dataport.sel4;

import io.dataport.mesh.cli.PicocliMain;
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
        Sel4Demo demo = new Sel4Demo();
        return PicocliMain.execute(demo, "sel4-demo", Sel4Exception.class, () -> demo.debug, args);
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
