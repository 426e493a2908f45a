package io.dataport.bench.xproc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * TCP over the loopback interface (what most users would pick between two processes), with the
 * batched framing of {@link StreamSocketSystem}; TCP_NODELAY on, default socket buffer sizes.
 */
public final class TcpSystem extends StreamSocketSystem {
    @Override
    public String name() {
        return "tcp";
    }

    @Override
    ServerSocketChannel listen(Path dir) throws IOException {
        return ServerSocketChannel.open(StandardProtocolFamily.INET)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @Override
    String address(ServerSocketChannel server) throws IOException {
        return Integer.toString(((InetSocketAddress) server.getLocalAddress()).getPort());
    }

    @Override
    SocketChannel connect(String address) throws IOException {
        return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(address)));
    }

    @Override
    void configure(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
}
