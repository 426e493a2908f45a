package io.dataport.vms;

import io.dataport.mesh.cli.Exec;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the VM demo needs before it starts; each missing piece is one line with the fix. */
final class Prerequisites {
    /** Room the three regions need in /dev/shm, with a margin. */
    static final long SHM_BYTES = 3 * VmLab.REGION_BYTES + (16L << 20);

    private Prerequisites() {
    }

    static void check() {
        if (!Exec.root()) {
            throw new VmException("vm-demo needs root (it starts QEMU with tap devices and installs Debian packages on"
                    + " first use): run sudo ./dataport vm-demo");
        }
        if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
            throw new VmException("vm-demo boots x86_64 guests; this host is " + System.getProperty("os.arch"));
        }
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            throw new VmException("no /dev/shm: the regions are files there; mount a tmpfs on /dev/shm");
        }
        try {
            FileStore store = Files.getFileStore(shm);
            if (store.getUsableSpace() < SHM_BYTES) {
                throw new VmException("/dev/shm has " + (store.getUsableSpace() >> 20) + " MiB free; the three regions need "
                        + (SHM_BYTES >> 20) + " MiB: free some, or remount it larger (mount -o remount,size=1G /dev/shm)");
            }
        } catch (IOException e) {
            throw new VmException("cannot read the free space of /dev/shm: " + e.getMessage());
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            throw new VmException("no /dev/net/tun: the tap devices need it (modprobe tun)");
        }
        if (!Exec.onPath("apt-get") && !Exec.onPath("qemu-system-x86_64")) {
            throw new VmException("no qemu-system-x86_64 and no apt-get to install it: install QEMU (x86 system emulator)");
        }
    }
}
