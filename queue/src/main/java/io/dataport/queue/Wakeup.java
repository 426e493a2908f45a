package io.dataport.queue;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The wake-up protocol, its one home ({@code spec/DataportWakeup.tla}, {@code spec/WakeupMesh.tla},
 * decisions 0005 and 0905). One instance per ring end; only this class reads or writes the
 * need-wake-up flags.
 *
 * <p><b>How it works.</b> A side with nothing to do (a consumer without records, a producer without
 * room) is the <em>sleeper</em>; the other side, whose publication would give it something to do,
 * is the <em>waker</em>. The same two halves serve both directions:
 * <ul>
 *   <li>sleeper ({@link #sleep}): {@code SetNeedsWakeup} on every ring it waits on (its flag holds
 *       the number of this sleep, never 0), one full fence, {@code Recheck} every one of those
 *       rings ({@link RingEnd#hasWork}: re-read the peer's position), and only if none has work,
 *       {@code Sleep} on the notifier; then {@code Clear} the flags;</li>
 *   <li>waker ({@link #afterPublish}): after publishing its position, one full fence,
 *       {@code ReadNeedsWakeup} (the peer's flag), and {@code Kick} only when the flag holds a
 *       sleep not kicked yet. A publication that finds the peer awake costs a fence and a load;
 *       one sleep costs one kick however many publications happen before the peer wakes.</li>
 * </ul>
 *
 * <p><b>Why no wake-up is lost.</b> It is the Dekker pattern: each side stores (the flag; the
 * position), fences, then loads the other side's word (the position; the flag). With a full fence
 * on both sides, at least one of the two loads sees the other side's store: either the sleeper's
 * re-check sees the publication and it does not sleep, or the waker sees the flag and kicks, and
 * the notifier keeps a kick that arrives before the {@code await} ({@link Notifier}'s contract).
 * Release/acquire alone is not enough (TLC: mutants {@code WakeupNoFence},
 * {@code WakeupMeshNoRoomFence}; jcstress: {@code WakeupStress}). A sleeper on several rings must
 * announce on all of them before its one fence and re-check all of them after it (mutant
 * {@code WakeupMeshRecheckOneRing}). A polling notifier never kicks: the waker then skips the fence
 * and the load, and the sleeper's bounded {@code await} ends the sleep by itself (model
 * {@code WakeupMesh_poll.cfg}; an unbounded one is mutant {@code WakeupMeshPollUnbounded}).
 */
final class Wakeup {
    private final RingEnd end;
    private final SharedRing ring;
    private final boolean producerSide;
    /** Kicks the peer when it sleeps; null when the peer never waits for a kick (no fence then). */
    private Notifier peer;
    /** The peer's sleep we last kicked. */
    private int kickedSleep;
    /** Our last sleep's number: starts at random, so a restarted end never repeats the number its predecessor was last kicked for. */
    private int sleepNumber = ThreadLocalRandom.current().nextInt();

    // Counters: written by this end's thread only, read by anyone (a statistic, not a protocol word).
    long sleeps;
    long kicksSent;
    long kicksSuppressed;
    long kickFailures;

    Wakeup(RingEnd end, SharedRing ring, boolean producerSide) {
        this.end = end;
        this.ring = ring;
        this.producerSide = producerSide;
    }

    /** From now on every publication is followed by {@link #afterPublish}'s fence and flag read (none for a polling notifier). */
    void wakePeerWith(Notifier notifier) {
        this.peer = notifier != null && notifier.kicks() ? notifier : null;
    }

    // ---- the waker (PublishPosition / WakeProducers, then FenceP, ReadNeedsWakeup, Kick) ----

    /** After this end published its position: kick the peer if it announced a sleep we have not kicked yet. */
    void afterPublish() {
        if (peer == null) {
            return;
        }
        int sleep = readNeedsWakeup();
        if (sleep != 0) {
            kickedSleep = sleep;
            kicksSent++;
            if (!peer.kick()) {
                kickFailures++;
            }
        } else {
            kicksSuppressed++;
        }
    }

    /**
     * Fence, ReadNeedsWakeup: the number of the peer's sleep when it sleeps and was not kicked for
     * that sleep yet, else 0.
     */
    int readNeedsWakeup() {
        ring.fence();
        int sleep = producerSide ? ring.readConsumerNeedsWakeup() : ring.readProducerNeedsWakeup();
        return sleep != 0 && sleep != kickedSleep ? sleep : 0;
    }

    // ---- the sleeper (SetNeedsWakeup, Fence, Recheck, Sleep, Clear) ----

    /** SetNeedsWakeup: writes our next sleep number (never 0, never the last one) into our flag. */
    void setNeedsWakeup() {
        sleepNumber = nextSleepNumber(sleepNumber);
        writeFlag(sleepNumber);
    }

    /** The sleep number after {@code previous}: one more, skipping 0 (0 in the flag means "awake"). */
    static int nextSleepNumber(int previous) {
        return previous == -1 ? 1 : previous + 1;
    }

    /** Clear: withdraws our flag after a sleep (or a re-check that found work). */
    void clearNeedsWakeup() {
        writeFlag(0);
    }

    private void writeFlag(int value) {
        if (producerSide) {
            ring.writeProducerNeedsWakeup(value);
        } else {
            ring.writeConsumerNeedsWakeup(value);
        }
    }

    /**
     * One end's SetNeedsWakeup, Fence, Recheck: true when there is still nothing to do, so sleeping
     * is safe (the flag stays set); false, flag withdrawn, when work arrived. A mapping fault
     * poisons the end.
     */
    boolean prepareToSleep() {
        try {
            setNeedsWakeup();
            ring.fence();
            if (end.hasWork()) {
                clearNeedsWakeup();
                return false;
            }
            return true;
        } catch (InternalError e) {
            throw end.mappingFault(e);
        }
    }

    /**
     * One sleep of one thread on one end: {@link #prepareToSleep}, then {@code notifier.await}
     * until the deadline at the latest, then Clear.
     */
    static void sleep(RingEnd end, Notifier notifier, long deadlineNanos) {
        Wakeup w = end.wakeup;
        if (w.prepareToSleep()) {
            w.sleeps++;
            notifier.await(Math.max(0, deadlineNanos - System.nanoTime()));
            try {
                w.clearNeedsWakeup();
            } catch (InternalError e) {
                throw end.mappingFault(e);
            }
        }
    }

    /**
     * One sleep of one thread on several ends (a mesh node's receive thread on its inbound rings):
     * SetNeedsWakeup on every one, one Fence, Recheck every one, Sleep on {@code notifier} only if
     * none has work, then Clear every flag. The peers of all these ends must kick this notifier.
     */
    static void sleep(RingEnd[] group, Notifier notifier, long deadlineNanos) {
        try {
            for (RingEnd end : group) {
                end.wakeup.setNeedsWakeup();
            }
            group[0].ring.fence(); // one full fence orders every flag store before every re-check
            boolean work = false;
            for (RingEnd end : group) {
                work |= end.hasWork(); // every ring, even after one had work: no short cut to miss
            }
            if (!work) {
                for (RingEnd end : group) {
                    end.wakeup.sleeps++;
                }
                notifier.await(Math.max(0, deadlineNanos - System.nanoTime()));
            }
            for (RingEnd end : group) {
                end.wakeup.clearNeedsWakeup();
            }
        } catch (InternalError e) {
            if (!RingEnd.isMappingFault(e)) {
                throw e;
            }
            // Which ring faulted is unknown here; its next poll faults again and poisons that end.
            throw new RingCorruptedException("ring corrupted: " + RingEnd.MAPPING_FAULT + " (one of "
                    + group.length + " rings)", e);
        }
    }
}
