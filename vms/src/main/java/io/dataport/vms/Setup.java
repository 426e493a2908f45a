package io.dataport.vms;

import io.dataport.mesh.cli.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@code vms/setup} (Debian packages, the guest kernel resolved through {@code linux-image-amd64},
 * the initramfs; cached between runs) and reads what it printed: the kernel version and the paths.
 */
record Setup(String kernelVersion, Path kernel, Path initrd, String qemuVersion, Path agent) {
    /** Five minutes: a first run downloads QEMU and a kernel package. */
    static final long MILLIS = 300_000;

    static Setup run(Path home) {
        Path script = home.resolve("vms/setup").toAbsolutePath().normalize();
        Path agent = home.resolve("vms/guest/agent").toAbsolutePath().normalize();
        if (!Files.isExecutable(script) || !Files.isExecutable(agent)) {
            throw new VmException("cannot find vms/setup and vms/guest/agent under " + home.toAbsolutePath()
                    + ": run ./dataport from the project's folder");
        }
        Exec.Result r = Exec.run(MILLIS, "bash", script.toString());
        if (!r.ok()) {
            throw new VmException("vms/setup failed (status " + r.status() + "): " + GuestAgent.oneLine(r.output()));
        }
        Map<String, String> values = new HashMap<>();
        for (String line : r.output().split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0) {
                values.put(line.substring(0, space), line.substring(space + 1).strip());
            }
        }
        for (String key : new String[] {"kernel", "vmlinuz", "initrd", "qemu"}) {
            if (!values.containsKey(key)) {
                throw new VmException("vms/setup printed no '" + key + "' line: " + GuestAgent.oneLine(r.output()));
            }
        }
        return new Setup(values.get("kernel"), Path.of(values.get("vmlinuz")), Path.of(values.get("initrd")),
                values.get("qemu"), agent);
    }
}
