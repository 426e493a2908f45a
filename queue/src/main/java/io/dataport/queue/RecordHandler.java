package io.dataport.queue;

/** Receives the records of a {@link RingConsumer#poll(RecordHandler, int)} batch, in order. */
@FunctionalInterface
public interface RecordHandler {
    /**
     * Called once per record. The view is valid only during this call. If this method throws, the
     * record counts as consumed, the batch stops, and the exception propagates from {@code poll}.
     */
    void onRecord(RecordView record);
}
