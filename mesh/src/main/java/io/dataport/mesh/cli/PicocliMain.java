package io.dataport.mesh.cli;

import java.util.function.BooleanSupplier;
import picocli.CommandLine;

/**
 * How the picocli commands of the project ({@code vm-demo}, {@code sel4-demo}) end: 0 ok, 1 the run
 * failed (the command's own exception: one line {@code dataport NAME: message}, no stack trace
 * unless {@code debug} says so), 2 bad usage (picocli's message and a pointer to {@code --help}).
 */
public final class PicocliMain {
    private PicocliMain() {
    }

    /**
     * Runs {@code command} on {@code args} and returns the exit code.
     *
     * @param name    the command's name in messages ({@code vm-demo})
     * @param failure the command's exception for a failed run (a one-line message)
     * @param debug   whether to let that exception through with its stack trace
     */
    public static int execute(Object command, String name, Class<? extends RuntimeException> failure,
            BooleanSupplier debug, String[] args) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            if (failure.isInstance(e) && !debug.getAsBoolean()) {
                line.getErr().println("dataport " + name + ": " + e.getMessage());
                return 1;
            }
            throw e;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("dataport " + name + ": " + e.getMessage() + " (see ./dataport " + name + " --help)");
            return 2;
        });
        return cl.execute(args);
    }
}
