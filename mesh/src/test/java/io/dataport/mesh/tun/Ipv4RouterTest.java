package io.dataport.mesh.tun;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Which node owns an address, and which bytes are an IPv4 packet the bridge passes on. */
class Ipv4RouterTest {
    private final Ipv4Router router = new Ipv4Router(0, 3);

    /** An IPv4 packet of {@code length} bytes (20-byte header) from {@code source} to {@code destination}. */
    static byte[] ipv4(String source, String destination, int length) {
        byte[] p = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(p);
        b.put(0, (byte) 0x45).putShort(2, (short) length).put(8, (byte) 64).put(9, (byte) 17);
        b.putInt(12, parse(source)).putInt(16, parse(destination));
        for (int i = 20; i < length; i++) {
            p[i] = (byte) (i * 31);
        }
        return p;
    }

    static int parse(String address) {
        String[] parts = address.split("\\.");
        int a = 0;
        for (String part : parts) {
            a = a << 8 | Integer.parseInt(part);
        }
        return a;
    }

    private int route(byte[] packet) {
        return router.route(ByteBuffer.wrap(packet), 0, packet.length);
    }

    @Test
    void nodeIdOwnsTheAddressIdPlusOne() {
        assertEquals("198.18.0.1", Ipv4Router.addressText(0));
        assertEquals("198.18.0.3", Ipv4Router.addressText(2));
        assertEquals(1, route(ipv4("198.18.0.1", "198.18.0.2", 100)));
        assertEquals(2, route(ipv4("198.18.0.1", "198.18.0.3", 100)));
        assertEquals(1, new Ipv4Router(2, 3).owner(parse("198.18.0.2")));
    }

    @Test
    void addressesOutsideTheMeshAreUnknown() {
        for (String d : new String[] {"198.18.0.0", "198.18.0.4", "198.18.0.255", "198.18.1.2", "10.0.0.2",
                "224.0.0.1", "255.255.255.255", "0.0.0.0", "198.19.0.2"}) {
            assertEquals(Ipv4Router.UNKNOWN_DESTINATION, route(ipv4("198.18.0.1", d, 60)), d);
        }
    }

    @Test
    void packetsToItselfAreRefused() {
        assertEquals(Ipv4Router.TO_SELF, route(ipv4("198.18.0.1", "198.18.0.1", 60)));
    }

    @Test
    void nonIpv4MalformedAndTruncatedPacketsAreRecognised() {
        byte[] v6 = ipv4("198.18.0.1", "198.18.0.2", 60);
        v6[0] = 0x60;
        assertEquals(Ipv4Router.NOT_IPV4, route(v6));
        assertEquals(Ipv4Router.TRUNCATED, route(new byte[0]));
        assertEquals(Ipv4Router.TRUNCATED, router.route(ByteBuffer.wrap(ipv4("198.18.0.1", "198.18.0.2", 60)), 0, 19));
        byte[] shortIhl = ipv4("198.18.0.1", "198.18.0.2", 60);
        shortIhl[0] = 0x44;
        assertEquals(Ipv4Router.MALFORMED, route(shortIhl));
        byte[] totalBelowHeader = ipv4("198.18.0.1", "198.18.0.2", 60);
        ByteBuffer.wrap(totalBelowHeader).putShort(2, (short) 19);
        assertEquals(Ipv4Router.MALFORMED, route(totalBelowHeader));
        byte[] longIhl = ipv4("198.18.0.1", "198.18.0.2", 40);
        longIhl[0] = 0x4f; // 60-byte header in a 40-byte packet
        assertEquals(Ipv4Router.MALFORMED, route(longIhl));
        byte[] cut = ipv4("198.18.0.1", "198.18.0.2", 1500);
        assertEquals(Ipv4Router.TRUNCATED, router.route(ByteBuffer.wrap(cut), 0, 1000), "total length above the bytes read");
    }

    @Test
    void checkGivesTheTotalLengthWithoutTrailingBytes() {
        byte[] p = new byte[120];
        System.arraycopy(ipv4("198.18.0.1", "198.18.0.2", 100), 0, p, 0, 100);
        assertEquals(100, Ipv4Router.check(ByteBuffer.wrap(p), 0, 120));
        assertEquals(65535, Ipv4Router.check(ByteBuffer.wrap(ipv4("198.18.0.1", "198.18.0.2", 65535)), 0, 65535));
    }

    @Test
    void theReceiverAcceptsOnlyExactPacketsForItself() {
        Ipv4Router one = new Ipv4Router(1, 3);
        byte[] p = ipv4("198.18.0.1", "198.18.0.2", 80);
        assertEquals(80, one.accept(ByteBuffer.wrap(p), 0, 80));
        assertEquals(Ipv4Router.MALFORMED, one.accept(ByteBuffer.wrap(new byte[100]).put(0, p), 0, 100),
                "trailing bytes: the sender trims every packet");
        assertEquals(Ipv4Router.NOT_FOR_ME, one.accept(ByteBuffer.wrap(ipv4("198.18.0.1", "198.18.0.3", 80)), 0, 80));
        assertEquals(Ipv4Router.NOT_FOR_ME, one.accept(ByteBuffer.wrap(ipv4("198.18.0.1", "10.1.1.1", 80)), 0, 80));
    }

    @Test
    void aMeshMustFitIn198_18_0() {
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Router(0, 255));
        assertThrows(IllegalArgumentException.class, () -> new Ipv4Router(3, 3));
    }
}
