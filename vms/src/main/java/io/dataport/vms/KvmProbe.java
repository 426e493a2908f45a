package io.dataport.vms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Chooses KVM or TCG. {@code /dev/kvm} existing is not enough: on some hosts it is a kvm_pvm device
 * on which QEMU aborts ({@code failed to set MSR}) or a stock kernel never reaches user space. So a
 * probe guest (the demo's kernel and initramfs with {@code dataport.probe=1}: its /init prints one
 * line and powers off) must print that line within {@link #PROBE_MILLIS} under KVM, or TCG is used.
 */
final class KvmProbe {
    static final long PROBE_MILLIS = 30_000;

    record Verdict(QemuVm.Accel accel, String reason) {
    }

    private KvmProbe() {
    }

    static Verdict choose(String wanted, Setup setup) throws InterruptedException {
        if (wanted.equals("tcg")) {
            return new Verdict(QemuVm.Accel.TCG, "asked for with --accel tcg");
        }
        String failure = probe(setup);
        if (failure == null) {
            return new Verdict(QemuVm.Accel.KVM, "a probe guest booted under KVM");
        }
        if (wanted.equals("kvm")) {
            throw new VmException("--accel kvm: " + failure);
        }
        return new Verdict(QemuVm.Accel.TCG, "KVM does not work here (" + failure + "), so TCG");
    }

    /** Null when a probe guest printed its line under KVM, else why not. */
    static String probe(Setup setup) throws InterruptedException {
        if (!Files.exists(Path.of("/dev/kvm"))) {
            return "no /dev/kvm";
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("dataport-kvm-probe-");
        } catch (IOException e) {
            return "cannot make a folder for the probe: " + e.getMessage();
        }
        Path console = dir.resolve("console.log");
        Process p = null;
        try {
            p = new ProcessBuilder(List.of("qemu-system-x86_64", "-machine", "q35,accel=kvm", "-cpu", "host",
                    "-smp", "1,maxcpus=2", "-m", "256M", "-kernel", setup.kernel().toString(), "-initrd",
                    setup.initrd().toString(), "-append", "console=ttyS0 panic=-1 dataport.probe=1", "-nographic",
                    "-serial", "file:" + console, "-monitor", "none", "-no-reboot", "-nic", "none"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
            long deadline = System.nanoTime() + PROBE_MILLIS * 1_000_000L;
            while (System.nanoTime() - deadline < 0) {
                if (read(console).contains("dataport-init: probe ok")) {
                    return null;
                }
                if (!p.isAlive()) {
                    String log = read(dir.resolve("qemu.log")).strip();
                    return "QEMU exited: " + (log.isEmpty() ? "status " + p.exitValue() : log.lines().reduce((a, b) -> b).orElse(""));
                }
                Thread.sleep(50);
            }
            return "a probe guest printed nothing within " + PROBE_MILLIS / 1000 + " s";
        } catch (IOException e) {
            return "cannot start QEMU: " + e.getMessage();
        } finally {
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            for (String f : new String[] {"console.log", "qemu.log"}) {
                try {
                    Files.deleteIfExists(dir.resolve(f));
                } catch (IOException ignored) {
                    // the folder delete below reports nothing either: a temp folder at worst
                }
            }
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // see above
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
