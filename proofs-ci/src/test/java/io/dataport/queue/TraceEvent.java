package io.dataport.queue;

import java.util.Locale;

/**
 * One step of a traced Java run, in Java's own units (bytes, 64-bit positions): either a
 * shared-memory access made through {@link SharedRing} (logged by {@link TracingSharedRing}, named
 * after the TLA+ action of {@code spec/DataportRing.tla} that performs it), or one of the few
 * application-level events that are local-only steps of the spec and cannot be seen in shared
 * memory (logged by {@link RandomRingRun}): {@code TryClaim} (the length the application asked
 * for), {@code Abort}, {@code CrashProducer} / {@code CrashConsumer}, {@code Poll} (the limit the
 * application passed), and the checks {@code ProducerIs} / {@code PollReturned} of what an API
 * call returned.
 *
 * <p>{@code a}, {@code b}, {@code c} are the action's arguments (see {@link #toString()} for their
 * names per action); {@code note} is a text argument ({@code ProducerIs}: the control state).
 */
public record TraceEvent(Side side, String action, long a, long b, long c, String note) {

    /** Which end made the step. */
    public enum Side {
        PRODUCER, CONSUMER;

        public String tla() {
            return this == PRODUCER ? "producer" : "consumer";
        }
    }

    static TraceEvent of(Side side, String action) {
        return new TraceEvent(side, action, 0, 0, 0, null);
    }

    static TraceEvent of(Side side, String action, long a) {
        return new TraceEvent(side, action, a, 0, 0, null);
    }

    static TraceEvent of(Side side, String action, long a, long b) {
        return new TraceEvent(side, action, a, b, 0, null);
    }

    static TraceEvent of(Side side, String action, long a, long b, long c) {
        return new TraceEvent(side, action, a, b, c, null);
    }

    static TraceEvent state(Side side, String action, String note) {
        return new TraceEvent(side, action, 0, 0, 0, note);
    }

    /** Argument names per action, for messages: {@code producer WriteRecordHeader(index=24, length=5, type=0)}. */
    @Override
    public String toString() {
        String args = switch (action) {
            case "ReadProducerPosition", "ReadConsumerPosition", "PublishProducerPosition",
                    "PublishConsumerPosition" -> "position=" + a;
            case "WritePadding" -> "index=" + a + ", length=" + b;
            case "WriteRecordHeader", "ReadRecordHeader" -> "index=" + a + ", length=" + b + ", type=" + c;
            case "WritePayload", "ReadPayload" -> "index=" + a + ", bytes=" + b;
            case "TryClaim" -> "length=" + a;
            case "Poll" -> "limit=" + a;
            case "PollReturned" -> "count=" + a;
            case "ProducerIs" -> note;
            default -> "";
        };
        return String.format(Locale.ROOT, "%s %s(%s)", side.tla(), action, args);
    }
}
