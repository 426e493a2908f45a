package io.dataport.bench.xproc;

import java.util.List;

/** The systems under comparison, in the order they run within a repetition. */
final class Systems {
    static final List<MessagingSystem> ALL = List.of(
            new DataportSystem("dataport", 1), new AgronaSystem(), new DataportSystem("dataport-batched", 16),
            new TcpSystem(), new UnixSocketSystem(), new JeroMqSystem());

    private Systems() {
    }

    static MessagingSystem byName(String name) {
        for (MessagingSystem s : ALL) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown system '" + name + "' (known: " + names() + ")");
    }

    static String names() {
        return String.join(",", ALL.stream().map(MessagingSystem::name).toList());
    }
}
