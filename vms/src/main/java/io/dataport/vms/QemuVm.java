package io.dataport.vms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.dataport.mesh.cli.Exec;
import java.util.concurrent.TimeUnit;

/**
 * One QEMU process: a guest booted from the stock Debian kernel and the demo's initramfs, the host's
 * {@code /} read-only over 9p, its share read-write, its regions as {@code ivshmem-plain} devices at
 * fixed PCI slots and its NICs. Started by {@link #start}, stopped by PID ({@link #stop}).
 *
 * <p>Every guest gets {@code -smp 1,maxcpus=2}: with {@code maxcpus} 1, QEMU's TCG translates guest
 * atomics as plain loads and stores and drops fences (docs/vms.md, "Atomics across VMs").
 */
final class QemuVm {
    /** What a guest is made of. {@code regions} and {@code nics} are QEMU arguments made by {@link VmLab}. */
    record Spec(String name, int index, Accel accel, Path kernel, Path initrd, Path agent, Path share, Path console,
                int memoryMiB, List<String> devices) {
    }

    /** How QEMU runs the guest's CPU. */
    enum Accel {
        TCG("-machine", "q35,accel=tcg", "-cpu", "max"),
        KVM("-machine", "q35,accel=kvm", "-cpu", "host");

        private final String[] args;

        Accel(String... args) {
            this.args = args;
        }

        String label() {
            return this == TCG ? "TCG (emulation)" : "KVM (hardware virtualisation)";
        }
    }

    private final Spec spec;
    private final Process process;

    private QemuVm(Spec spec, Process process) {
        this.spec = spec;
        this.process = process;
    }

    /** The QEMU command line of a guest (pure: tested without QEMU). */
    static List<String> command(Spec spec) {
        List<String> c = new ArrayList<>(List.of("qemu-system-x86_64", "-name", spec.name()));
        c.addAll(List.of(spec.accel().args));
        c.addAll(List.of("-smp", "1,maxcpus=2", "-m", spec.memoryMiB() + "M",
                "-kernel", spec.kernel().toString(), "-initrd", spec.initrd().toString(),
                "-append", String.format(Locale.ROOT, "console=ttyS0 panic=-1 quiet dataport.agent=%s dataport.name=%s",
                        spec.agent(), spec.name()),
                "-nographic", "-serial", "file:" + spec.console(), "-monitor", "none", "-no-reboot", "-nic", "none",
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
                "-virtfs", "local,path=" + spec.share() + ",mount_tag=share,security_model=none"));
        c.addAll(spec.devices());
        return c;
    }

    /** Starts QEMU (its own output to {@code qemu-NAME.log} beside the console log). */
    static QemuVm start(Spec spec) {
        Path log = spec.console().resolveSibling("qemu-" + spec.name() + ".log");
        try {
            Process p = new ProcessBuilder(command(spec)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new QemuVm(spec, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return spec.name();
    }

    int index() {
        return spec.index();
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path console() {
        return spec.console();
    }

    Path qemuLog() {
        return spec.console().resolveSibling("qemu-" + spec.name() + ".log");
    }

    /** Stops QEMU by PID: SIGTERM, then SIGKILL after {@code graceMillis}; waits for the exit. */
    void stop(long graceMillis) {
        if (process.isAlive()) {
            Exec.stop(process, graceMillis);
        }
    }

    /** Waits up to {@code millis} for QEMU to exit by itself (the guest powered off); whether it did. */
    boolean awaitExit(long millis) throws InterruptedException {
        return process.waitFor(millis, TimeUnit.MILLISECONDS);
    }
}
