package io.dataport.sel4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the demo reads from the guests: iperf3's summary, the device counters, the bridges' counters. */
class Sel4DemoParsingTest {
    @Test
    void readsTheReceiverLineAndTheDeviceBytes() {
        List<String> out = List.of(
                "[  5]   0.00-10.00  sec  42.6 MBytes  35.7 Mbits/sec  12             sender",
                "[  5]   0.00-10.05  sec  42.1 MBytes  35.1 Mbits/sec                  receiver",
                "dpctl bytes dp0 45612345 1234567");
        Sel4Demo.Iperf r = Sel4Demo.Iperf.parse(out);
        assertEquals(35.1, r.mbits(), 1e-9);
        assertEquals((long) (42.1 * 1024 * 1024), r.bytes());
        assertEquals(45612345L, r.txBytes());
        assertEquals(0.9, Sel4Demo.Iperf.parse(List.of(
                "[  5]   0.00-10.00  sec  1.10 MBytes   900 Kbits/sec                  receiver",
                "dpctl bytes eth0 1 2")).mbits(), 1e-9);
        assertNull(Sel4Demo.Iperf.parse(List.of("iperf3: error - unable to connect to server", "dpctl bytes dp0 0 0")));
    }

    @Test
    void readsTheBridgeCountersOfEachSide() {
        long[][] sent = new long[3][3];
        long[][] received = new long[3][3];
        long[][] damaged = new long[3][3];
        Sel4Demo.Counters.parse(0, List.of(
                "counters of bridge 0 on dp0:",
                "link        packets            bytes     drops  full events  kicks sent   suppressed",
                "0->1          1000          1500000         0           3         10          990",
                "1->0           900            60000         0            -           -            -",
                "0->2            50             5000         0           0          5           45",
                "2->0            40             4000         2            -           -            -",
                "drops out (TUN to ring): none", "end-counters"), sent, received, damaged);
        assertEquals(1000, sent[0][1]);
        assertEquals(900, received[1][0]);
        assertEquals(2, damaged[2][0]);
        assertEquals(0, sent[1][0], "vm0's inbound lines are not another bridge's sends");
        assertThrows(Sel4Exception.class, () -> Sel4Demo.Counters.parse(1, List.of("the bridge crashed"), sent, received, damaged));
    }

    @Test
    void aFailedReferenceTestIsDescribedByItsErrorElseItsReceiverLine() {
        assertEquals("error - control socket has closed unexpectedly", Sel4Demo.failure(List.of(
                "[  5]   0.00-10.01  sec  76.4 KBytes  0.06 Mbits/sec    5             sender",
                "iperf3: error - control socket has closed unexpectedly", "dpctl bytes eth0 29225 908")));
        assertEquals("receiver: [ 5] 0.00-24.66 sec 0.00 Bytes 0.00 Mbits/sec receiver", Sel4Demo.failure(List.of(
                "[  5]   0.00-24.66  sec  0.00 Bytes  0.00 Mbits/sec                  receiver")));
    }

    @Test
    void addressesFollowTheLink() {
        assertEquals("198.18.1.3", Sel4Demo.address("switch", 2));
        assertEquals("198.18.0.1", Sel4Demo.address("dataport", 0));
    }
}
