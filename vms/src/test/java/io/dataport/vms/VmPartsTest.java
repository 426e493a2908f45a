package io.dataport.vms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pieces of the VM demo that need no VM: QEMU's command line, the guests' set-up, the counters. */
class VmPartsTest {
    private static QemuVm.Spec spec() {
        return new QemuVm.Spec("vm1", 1, QemuVm.Accel.TCG, Path.of("/k/vmlinuz"), Path.of("/k/initrd"),
                Path.of("/p/vms/guest/agent"), Path.of("/run/x/share-vm1"), Path.of("/run/x/console-vm1.log"), 512,
                List.of("-device", "ivshmem-plain,memdev=r0,addr=0x10"));
    }

    @Test
    void everyGuestGetsMaxcpusTwoAndTheHostReadOnly() {
        List<String> c = QemuVm.command(spec());
        assertEquals("1,maxcpus=2", c.get(c.indexOf("-smp") + 1), "with maxcpus 1 TCG drops atomics and fences");
        assertEquals("q35,accel=tcg", c.get(c.indexOf("-machine") + 1));
        assertTrue(c.contains("local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"), c.toString());
        assertTrue(c.contains("local,path=/run/x/share-vm1,mount_tag=share,security_model=none"), c.toString());
        String append = c.get(c.indexOf("-append") + 1);
        assertTrue(append.contains("dataport.agent=/p/vms/guest/agent") && append.contains("dataport.name=vm1"), append);
        assertEquals("file:/run/x/console-vm1.log", c.get(c.indexOf("-serial") + 1));
        assertTrue(c.contains("-no-reboot"));
        assertEquals(List.of("-device", "ivshmem-plain,memdev=r0,addr=0x10"), c.subList(c.size() - 2, c.size()));
    }

    @Test
    void eachGuestMapsExactlyItsTwoRegionsAtThePairsSlots() {
        VmLab lab = new VmLab(new VmLab.Settings(Path.of("/k"), Path.of("/i"), Path.of("/a"), QemuVm.Accel.TCG, true,
                Path.of("/j/bin/java"), "/cp"), System.err);
        String s1 = lab.configureScript(1);
        assertTrue(s1.contains("/sys/bus/pci/devices/0000:00:10.0/resource2 /run/mesh/pair-0-1.region"), s1);
        assertTrue(s1.contains("/sys/bus/pci/devices/0000:00:12.0/resource2 /run/mesh/pair-1-2.region"), s1);
        assertFalse(s1.contains("0000:00:11.0"), "vm1 is not in pair 0-2");
        assertTrue(s1.contains("ip addr add 198.18.0.2/24 dev dp0"), s1);
        assertTrue(s1.contains("byMac 52:54:00:dd:00:01") && s1.contains("name dps01"), s1);
        assertTrue(s1.contains("ip addr add 198.18.12.2/24 dev dps12"), s1);
        assertTrue(s1.contains("ip addr add 198.18.20.2/24 dev dptap"), s1);
    }

    @Test
    void everyAddressIsInTheBenchmarkRangeAndUniquePerLinkAndGuest() {
        Set<String> seen = new HashSet<>();
        for (Link link : List.of(Link.DATAPORT, Link.SOCKET, Link.TAP)) {
            for (int[] pair : Link.PAIRS) {
                for (int side = 0; side < 2; side++) {
                    String a = link.address(pair[side], pair[1 - side]);
                    assertTrue(a.startsWith("198.18."), a);
                    if (link == Link.SOCKET) {
                        assertTrue(seen.add(a), "duplicate " + a);
                    }
                }
            }
        }
        assertEquals("198.18.11.3", Link.SOCKET.address(2, 0));
        assertEquals("dps02", Link.SOCKET.device(2, 0));
    }

    @Test
    void countersParseIntoTheirDeltas() {
        var m = VmLab.parseCounters("counter lo 10 10\ncounter dp0 500 700\nnoise\ncounter eth0 x 1\n");
        assertEquals(2, m.size());
        assertEquals(700, m.get("dp0")[1]);
    }

    private static String bridge(int id, long[][] sent, long[][] received, String dropsIn) {
        StringBuilder b = new StringBuilder("counters of bridge " + id + " on dp0:\n");
        b.append("link        packets            bytes     drops  full events  kicks sent   suppressed\n");
        for (int peer = 0; peer < 3; peer++) {
            if (peer == id) {
                continue;
            }
            b.append(id).append("->").append(peer).append("   ").append(sent[id][peer]).append("  1000  0  0  0  0\n");
            b.append(peer).append("->").append(id).append("   ").append(received[peer][id]).append("  1000  0  -  -  -\n");
        }
        b.append("drops out (TUN to ring): ring full 3\ndrops in (ring to TUN):").append(dropsIn).append('\n');
        return b.toString();
    }

    @Test
    void ringCountersFindLostAndCorruptPackets() {
        long[][] sent = {{0, 10, 20}, {30, 0, 40}, {50, 60, 0}};
        long[][] received = {{0, 10, 20}, {30, 0, 40}, {50, 60, 0}};
        String none = " none";
        VmDemo.RingCounters ok = VmDemo.RingCounters.of(List.of(bridge(0, sent, received, none),
                bridge(1, sent, received, none), bridge(2, sent, received, none)));
        assertEquals(new VmDemo.RingCounters(210, 0, 0), ok);

        received[1][2] = 37; // three packets 1->2 never came out of the ring
        VmDemo.RingCounters bad = VmDemo.RingCounters.of(List.of(bridge(0, sent, received, none),
                bridge(1, sent, received, none), bridge(2, sent, received, " malformed 2, not for this node 1, bad record type 4")));
        assertEquals(new VmDemo.RingCounters(207, 3, 6), bad);
    }

    @Test
    void badUsageExitsTwoBeforeTouchingAnything() {
        assertEquals(2, VmMain.execute(new String[] {"--bogus"}));
        assertEquals(2, VmMain.execute(new String[] {"-t", "0"}));
        assertEquals(2, VmMain.execute(new String[] {"--reps", "0"}));
        assertEquals(2, VmMain.execute(new String[] {"--accel", "xen"}));
        assertEquals(0, VmMain.execute(new String[] {"--help"}));
    }
}
