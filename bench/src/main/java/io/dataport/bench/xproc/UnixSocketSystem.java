package io.dataport.bench.xproc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A Unix-domain stream socket (java.nio, Java 16+), the usual local IPC without a network stack,
 * with the batched framing of {@link StreamSocketSystem}; the socket file lives in the run's temp dir.
 */
public final class UnixSocketSystem extends StreamSocketSystem {
    @Override
    public String name() {
        return "unix";
    }

    @Override
    ServerSocketChannel listen(Path dir) throws IOException {
        return ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(dir.resolve("unix.sock")));
    }

    @Override
    String address(ServerSocketChannel server) throws IOException {
        return ((UnixDomainSocketAddress) server.getLocalAddress()).getPath().toString();
    }

    @Override
    SocketChannel connect(String address) throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(address));
    }
}
