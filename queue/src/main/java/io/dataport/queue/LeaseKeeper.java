package io.dataport.queue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The thread that beats every lease of this process, whatever the ends are doing (blocked, idle or
 * busy): one daemon thread for the whole process, each lease at a quarter of its timeout. A process
 * that stops (SIGSTOP, a paused VM, a long GC pause) stops beating, which is exactly what the
 * observers of its leases must see.
 */
final class LeaseKeeper {
    static final LeaseKeeper INSTANCE = new LeaseKeeper();

    private final Map<Lease, ScheduledFuture<?>> kept = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService timer;

    private LeaseKeeper() {
    }

    void keep(Lease lease, long periodNanos) {
        ScheduledFuture<?> task = timer().scheduleAtFixedRate(() -> {
            if (!lease.beat()) {
                forget(lease);
            }
        }, periodNanos, Math.max(periodNanos, 1_000_000L), TimeUnit.NANOSECONDS);
        kept.put(lease, task);
    }

    void forget(Lease lease) {
        ScheduledFuture<?> task = kept.remove(lease);
        if (task != null) {
            task.cancel(false);
        }
    }

    private ScheduledExecutorService timer() {
        ScheduledExecutorService t = timer;
        if (t == null) {
            synchronized (this) {
                t = timer;
                if (t == null) {
                    t = Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread thread = new Thread(r, "dataport-lease-keeper");
                        thread.setDaemon(true);
                        return thread;
                    });
                    timer = t;
                }
            }
        }
        return t;
    }
}
