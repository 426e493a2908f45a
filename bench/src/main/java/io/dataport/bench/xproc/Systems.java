package io.dataport.bench.xproc;

import io.dataport.bench.minimal.MinimalAgrona;
import io.dataport.bench.minimal.MinimalDataport;
import java.util.List;
import java.util.Map;

/**
 * The systems under comparison, in the order they run within a repetition, and the minimal loops
 * ({@code io.dataport.bench.minimal}, no harness code) that check the harness's figures for the two
 * rings: "dataport-minimal" against "dataport", "agrona-minimal" against "agrona".
 */
final class Systems {
    static final List<MessagingSystem> ALL = List.of(
            new DataportSystem("dataport", 1), new AgronaSystem(), new DataportSystem("dataport-batched", 16),
            new TcpSystem(), new UnixSocketSystem(), new JeroMqSystem());

    /** Minimal loop name -> its main class; in run order. */
    static final Map<String, Class<?>> MINIMAL = Map.of(
            "dataport-minimal", MinimalDataport.class, "agrona-minimal", MinimalAgrona.class);
    static final List<String> MINIMAL_NAMES = List.of("dataport-minimal", "agrona-minimal");

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

    /** The harness system a minimal loop checks: "dataport" for "dataport-minimal". */
    static String harnessOf(String minimal) {
        return minimal.substring(0, minimal.length() - "-minimal".length());
    }

    static String names() {
        return String.join(",", ALL.stream().map(MessagingSystem::name).toList()) + "," + String.join(",", MINIMAL_NAMES);
    }
}
