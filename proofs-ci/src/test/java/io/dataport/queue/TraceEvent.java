package io.dataport.queue;

import java.util.Locale;

/**
 * One step of a traced Java run, in Java's own units (bytes, 64-bit positions): either a
 * shared-memory access made through {@link SharedRing} (logged by {@link TracingSharedRing}, named
 * after the TLA+ action that performs it: the action of {@code spec/DataportRing.tla} where there is
 * one, else the action of {@code spec/RingFencing.tla}), or one of the few application-level events
 * that are local-only steps of the spec and cannot be seen in shared memory (logged by
 * {@link RandomRingRun}): {@code TryClaim} (the length the application asked for), {@code Abort},
 * {@code CrashProducer} / {@code CrashConsumer}, {@code Poll} (the limit the application passed),
 * and the checks {@code ProducerIs} / {@code PollReturned} of what an API call returned.
 *
 * <p>{@code a}, {@code b}, {@code c} are the action's arguments (see {@link #toString()} for their
 * names per action); {@code note} is a text argument ({@code ProducerIs}: the control state).
 * Positions are the 48-bit positions of the position words rebuilt as 64-bit counters
 * ({@link TracingSharedRing}); the epoch of the word is logged next to them and never checked
 * against {@code DataportRing}, which has no epochs.
 *
 * <p>{@link #inDataportRing()} is the one place that says which DataportRing event each logged
 * access is checked as, and why some are not checked at all.
 */
public record TraceEvent(Side side, String action, long a, long b, long c, String note) {

    /** Which end made the step. */
    public enum Side {
        PRODUCER, CONSUMER;

        public String tla() {
            return this == PRODUCER ? "producer" : "consumer";
        }
    }

    /** Suffix of a compare-and-set that failed: never in an honest run, and no step of DataportRing. */
    static final String FAILED = "Failed";

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

    /**
     * The event of {@code spec/DataportRingTrace.tla}'s vocabulary this step is checked as, or
     * {@code null} when the access has no counterpart in {@code DataportRing} and is left out of the
     * trace module. {@code DataportRingTrace} rejects every action name it does not know, so an
     * access is left out only for a reason written here; everything else goes to TLC unchanged,
     * including every access an honest run never makes (a failed compare-and-set, a hole recorded
     * or freed, a lease word, a shrunk reservation): TLC rejects those, as DataportRing has no such
     * step (fail closed).
     */
    public TraceEvent inDataportRing() {
        return switch (action) {
            // The attach-time fences (RingFencing's FencePosition; the consumer's fence at attach):
            // a CAS from the word just read to the SAME position with the attaching end's epoch.
            // DataportRing's positions are plain counters, so this is an access of the position
            // word that leaves the position as it is: part of the attach, like the attach's first
            // read, which DataportRing folds into AttachProducer / AttachConsumer (decision 0103:
            // only the attaching end writes that word). It is checked as that first read:
            // DataportRingTrace skips it only while the end is "down" and only if the position
            // equals the spec's producerPosition / consumerPosition.
            case "FenceProducerPosition" -> new TraceEvent(side, "ReadProducerPosition", a, b, c, note);
            // The consumer's fence is the last access of its attach (layout version 3: it reads no
            // producer position), so it stands for the step AttachConsumer itself.
            case "FenceConsumerPosition" -> new TraceEvent(side, "AttachConsumer", a, b, c, note);
            // ReadSlot (RingFencing): the producer reads the header word at the claim's index, the
            // expected value of its header or padding CAS. DataportRing's producer writes headers
            // with plain stores and never reads them; the read changes no variable of DataportRing,
            // whose TraceNext has no step that consumes it. What the CAS then writes is checked
            // (WritePadding / WriteRecordHeader, and a failed CAS is rejected).
            case "ReadSlot" -> null;
            // The read of the producer position word right after ReadSlot: RingProducer uses only
            // its epoch (another one means it lost the role), never its position. DataportRing's
            // producer never reads its own position after attaching (DataportRingTrace accepts a
            // producer ReadProducerPosition only while "down"), and an epoch read changes nothing
            // DataportRing has (like ReadProducerEpoch, which DataportRingTrace skips).
            case "CheckProducerEpoch" -> null;
            // The reservation word (RingFencing's Reserve, FenceReservation): where a stale holder
            // may still write. DataportRing has no reservation: its producer writes anywhere in
            // [tail, consumer position + capacity), a bound TLC checks through the writes
            // themselves (NoOverwriteUnread). Reading the word, fencing it at attach (same end, new
            // epoch) and extending it during a claim change no DataportRing variable.
            case "ReadReservation", "FenceReservation", "Reserve" -> null;
            // The hole table, read by a ring file's producer at attach (Holes.releaseAll, then its
            // copy, Holes.load). A read changes nothing; in a ring-file run every word is 0 (no
            // predecessor can still write: the lock proves it, so no hole is ever recorded). A hole
            // would make the producer write paddings that end before the region end, which
            // DataportRingTrace's WritePadding rejects; RecordHole / ReleaseHole go to TLC and are
            // rejected themselves.
            case "ReadHole" -> null;
            default -> this;
        };
    }

    /** Argument names per action, for messages: {@code producer WriteRecordHeader(index=24, length=5, type=0)}. */
    @Override
    public String toString() {
        String base = action.endsWith(FAILED) ? action.substring(0, action.length() - FAILED.length()) : action;
        String args = switch (base) {
            case "ReadProducerPosition", "ReadConsumerPosition", "PublishProducerPosition",
                    "PublishConsumerPosition", "FenceProducerPosition", "FenceConsumerPosition", "AttachConsumer",
                    "CheckProducerEpoch" -> "position=" + a + ", epoch=" + b;
            case "ReadReservation", "FenceReservation", "Reserve", "ShrinkReservation" -> "end=" + a + ", epoch=" + b;
            case "ReadHole", "RecordHole", "ReleaseHole" -> String.format(Locale.ROOT, "slot=%d, word=0x%016x", a, b);
            case "WritePadding" -> "index=" + a + ", length=" + b;
            case "WriteRecordHeader", "ReadRecordHeader", "ReadSlot", "ScanForEnd" -> "index=" + a + ", length=" + b + ", type=" + c;
            case "WriteEndMarker" -> "index=" + a;
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
