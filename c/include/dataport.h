/*
 * Dataport for C: the rings of a shared memory region, layout version 3 (docs/layout.md, docs/c.md).
 *
 * A region is a fixed-size shared memory area (a file in /dev/shm, an ivshmem BAR, a CAmkES
 * dataport) holding a directory page and rings; each ring has one producer and one consumer, each
 * role held by a lease in shared memory. This library speaks exactly the protocol of the Java
 * library (io.dataport.queue.Region, RingProducer, RingConsumer): a C peer and a Java peer can be
 * the two ends of one ring. It depends on libc alone and allocates nothing: every object is a
 * struct the caller owns (static, on the stack, or malloc'd), and the payload is read and written
 * in place in the shared memory.
 *
 *   dp_geometry pair;                          // ring 0: node 0 -> 1, ring 1: 1 -> 0
 *   dp_geometry_pair(&pair, size, 0, 1, tag);
 *   dp_region region;                          // maps the file and formats it (or finds it formatted)
 *   if (dp_region_open(&region, "/dev/shm/pair", &pair, NULL) != DP_OK) fail(region.error);
 *   dp_producer out;
 *   if (dp_producer_attach(&out, &region, 0) != DP_OK) fail(out.error);
 *   uint8_t *payload;
 *   if (dp_producer_claim(&out, 5, 0, &payload) == DP_OK) { memcpy(payload, "hello", 5); dp_producer_commit(&out); }
 *
 * Every function returns a status: DP_OK (0) or another non-negative result, or a negative
 * DP_ERR_* code; the object it was called on then holds a one-line message in its `error` field.
 * A corrupt or hostile peer never makes the library read or write outside the region: the end
 * that sees a broken rule is poisoned (DP_ERR_CORRUPT, now and on every later call). An end whose
 * role another holder took over returns DP_ERR_LOST. The fields of the structs are private: read
 * them only through the functions below (the `error` message excepted).
 *
 * Threads: one thread at a time per end; different ends may be used by different threads. The
 * library starts no thread: a holder's lease is beaten by its own calls (see dp_options.auto_beat).
 */
#ifndef DATAPORT_H
#define DATAPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The layout version this library reads and writes (docs/layout.md). */
#define DP_LAYOUT_VERSION 3
/** Rings a region's directory can describe. */
#define DP_MAX_RINGS 62
/** Length of a message in an object's `error` field, terminating 0 included. */
#define DP_ERROR_LENGTH 256

/** Statuses: >= 0 success (DP_OK, DP_FULL, or a count), < 0 an error. */
enum dp_status {
    DP_OK = 0,
    /** dp_producer_claim: no room now (nothing was written). */
    DP_FULL = 1,
    /** A bad argument, or a call out of order (a claim already open, an end already closed). */
    DP_ERR_ARGUMENT = -1,
    /** A system call failed (open, mmap, ...): the message holds strerror. */
    DP_ERR_SYSTEM = -2,
    /** The shared memory breaks a layout rule: this end (or region) is poisoned for good. */
    DP_ERR_CORRUPT = -3,
    /** Another holder took this end's role over (this process stalled past the lease timeout). */
    DP_ERR_LOST = -4,
    /** The role is held by a live holder (its heartbeat moved), or takeover is off. */
    DP_ERR_HELD = -5,
    /** The region cannot be used as asked: another geometry or version, not zero-filled, not formatted in time. */
    DP_ERR_REFUSED = -6,
    /** A blocking call found no record (or no room) before its timeout. */
    DP_ERR_TIMEOUT = -7
};

/** The name of a status ("DP_OK", "DP_ERR_CORRUPT", ...). */
const char *dp_status_name(int status);

/** One ring of a region (a slot of the directory). */
typedef struct dp_ring_spec {
    uint64_t id;                 /* the application's name for the ring, unique in the region */
    uint32_t capacity;           /* bytes of its span: a power of two, at least 32768 */
    uint32_t max_record_length;  /* largest payload: at most (capacity - lap prefix) / 2 - 8 */
    uint32_t producer_node;
    uint32_t consumer_node;
} dp_ring_spec;

/** What a region holds: every peer asks for the same geometry; the first formats the region with it. */
typedef struct dp_geometry {
    uint64_t size;               /* bytes of the region: a multiple of 4096 */
    uint64_t tag;                /* the application's identifier, checked by every peer */
    uint32_t ring_count;         /* 1 .. DP_MAX_RINGS */
    dp_ring_spec rings[DP_MAX_RINGS];
} dp_geometry;

/**
 * The users' topology (Java: RegionGeometry.pair): ring 0 from node a to b, ring 1 from b to a,
 * each the largest power of two that fits in half the region, with the largest max record length
 * ring 0's lap prefix allows. DP_ERR_ARGUMENT when size is below 65536 or not a multiple of 4096.
 */
int dp_geometry_pair(dp_geometry *geometry, uint64_t size, uint32_t a, uint32_t b, uint64_t tag);

/** The index of the ring from producer to consumer, or -1. */
int dp_geometry_index_of(const dp_geometry *geometry, uint32_t producer, uint32_t consumer);

/** How this process takes part in a region (Java: RegionOptions). */
typedef struct dp_options {
    uint32_t holder;             /* this process's identity in lease words, never 0 */
    uint64_t lease_timeout_ns;   /* a role whose heartbeat stood still this long is taken over */
    int take_over;               /* 0: a held role is refused at once */
    /*
     * 1 (default): every call on an end beats its lease once a quarter of the lease timeout has
     * passed since the last beat, and so do blocking waits. A program that does not call its end
     * for longer than three quarters of the timeout must call dp_producer_beat/dp_consumer_beat.
     * 0: only those explicit calls beat.
     */
    int auto_beat;
} dp_options;

/** A random holder, a 10 s lease timeout, takeover on, auto_beat on. */
void dp_options_default(dp_options *options);

/** A mapped region whose directory was formatted or validated. */
typedef struct dp_region {
    char name[128];              /* the path, or "memory at 0x...": messages start with it */
    uint8_t *base;
    uint64_t size;
    int mapped;                  /* 1 when dp_region_open mapped it (dp_region_close unmaps it) */
    uint32_t generation;
    dp_options options;
    dp_geometry geometry;        /* the geometry its directory holds (valid after DP_OK) */
    char error[DP_ERROR_LENGTH];
} dp_region;

/**
 * Maps the region file at `path` (a zero-filled or formatted file in /dev/shm, or a PCI resource
 * file such as an ivshmem BAR's resource2) and formats it with `wanted`, or validates the
 * directory a peer formatted (it must hold `wanted`). `wanted` NULL: join a region a peer formats,
 * waiting up to the lease timeout. `options` NULL: dp_options_default.
 */
int dp_region_open(dp_region *region, const char *path, const dp_geometry *wanted, const dp_options *options);

/**
 * The same for memory the caller mapped (a CAmkES dataport, a UIO map): `base` must be 8-byte
 * aligned and stay mapped until dp_region_close.
 */
int dp_region_wrap(dp_region *region, void *base, uint64_t size, const dp_geometry *wanted,
                   const dp_options *options);

/** Unmaps what dp_region_open mapped. Close the region's ends first. */
void dp_region_close(dp_region *region);

/** One ring of a region, its sizes validated (private). */
typedef struct dp_ring {
    uint8_t *header;             /* its header page (4096 bytes) */
    uint8_t *data;               /* its span: `capacity` bytes */
    uint32_t capacity;
    uint32_t mask;
    uint32_t max_record_length;
    uint32_t lap_prefix;
} dp_ring;

/** A role's lease (private). */
typedef struct dp_lease {
    uint8_t *word;
    uint8_t *heartbeat;
    uint64_t value;
    uint64_t beats;
    uint64_t period_ns;
    uint64_t next_beat_ns;
    int auto_beat;
    int lost;
} dp_lease;

/**
 * How an end sleeps and wakes its peer (docs/wakeups.md). `await` sleeps until kicked or for at
 * most `timeout_ns`; `kick` wakes the peer's await. A polling notifier (dp_notifier_polling)
 * never kicks: its await sleeps at most `max_sleep_ns`, and the sleeper re-checks on waking.
 * Between VMs on seL4/CAmkES, `kick` emits the connection's event and `await` waits on it.
 */
typedef struct dp_notifier {
    int (*await)(void *context, uint64_t timeout_ns);
    int (*kick)(void *context);
    void *context;
    uint64_t max_sleep_ns;       /* polling: the bound of one sleep; 0 for a kicking notifier */
} dp_notifier;

/** The notifier that carries no signal: every sleep lasts at most `max_sleep_ns`. */
dp_notifier dp_notifier_polling(uint64_t max_sleep_ns);

/** The wake-up half of an end (private). */
typedef struct dp_wakeup {
    const dp_notifier *peer;     /* kicks the peer when it sleeps; NULL: the peer polls */
    uint32_t kicked_sleep;
    uint32_t sleep_number;
    uint64_t sleeps;
    uint64_t kicks_sent;
    uint64_t kicks_suppressed;
} dp_wakeup;

/** The producing end of a region's ring. */
typedef struct dp_producer {
    dp_ring ring;
    dp_lease lease;
    dp_wakeup wakeup;
    char name[160];              /* "<region> ring <id> (producer)": messages start with it */
    int state;                   /* 0 live, else the status every call returns */
    int closed;
    uint16_t epoch16;
    uint64_t our_end_marker;
    uint32_t chunk;
    uint64_t tail;
    uint64_t hint;
    uint64_t late_commits_before;
    uint64_t reserved_end;
    uint64_t cached_consumer;
    int64_t held_index;
    uint64_t held_position;
    uint64_t held_header;
    uint64_t held_seen;
    uint64_t holes_lap;
    uint32_t hole_count;
    uint32_t hole_start[64];
    uint32_t hole_length[64];
    uint32_t largest_gap;
    int64_t claim_index;
    uint32_t claim_length;
    int32_t claim_type;
    uint64_t claim_seen;
    uint32_t claim_end_index;
    uint64_t claim_end_seen;
    uint32_t waiting_for;
    uint64_t records;
    uint64_t bytes;
    char error[DP_ERROR_LENGTH];
} dp_producer;

/**
 * Attaches the producer of ring `index`: claims its lease (or takes it over from a holder whose
 * heartbeat stood still for the lease timeout), fences a predecessor that may still run, and finds
 * the frontier by scanning the committed headers (docs/layout.md, "Fencing").
 */
int dp_producer_attach(dp_producer *producer, dp_region *region, uint32_t index);

/**
 * Claims room for a record of `length` payload bytes and application `type` (>= 0): DP_OK with
 * `*payload` pointing at `length` bytes to write in place, or DP_FULL (nothing written; publish
 * first if the ring may be full of your own batched records). Exactly one of commit,
 * commit_batched or abort must follow. DP_ERR_REFUSED (the end stays usable): the record fits in
 * no gap between the holes that takeovers left in the ring (decision 1801; the message gives the
 * largest gap): send smaller records, or reset the region when no peer runs.
 */
int dp_producer_claim(dp_producer *producer, uint32_t length, int32_t type, uint8_t **payload);

/** Commits the claimed record and publishes it, with every record batched before it. */
int dp_producer_commit(dp_producer *producer);

/** Commits the claimed record without telling the consumer yet (lost if this process dies before publish). */
int dp_producer_commit_batched(dp_producer *producer);

/** Makes every committed record visible to the consumer (one store). */
int dp_producer_publish(dp_producer *producer);

/** Drops the claimed record; nothing of it is ever delivered. */
int dp_producer_abort(dp_producer *producer);

/** Claims, copies `length` bytes from `source` and commits: DP_OK, DP_FULL or an error. */
int dp_producer_offer(dp_producer *producer, const void *source, uint32_t length, int32_t type);

/**
 * Blocking claim: dp_producer_claim, sleeping on `notifier` while the ring is full (it publishes
 * first), for at most `timeout_ns`: DP_OK, DP_ERR_TIMEOUT or an error.
 */
int dp_producer_claim_wait(dp_producer *producer, uint32_t length, int32_t type, uint8_t **payload,
                           const dp_notifier *notifier, uint64_t timeout_ns);

/** Kicks `notifier` after each publication when the consumer sleeps (a polling one is never kicked). */
void dp_producer_wake_peer_with(dp_producer *producer, const dp_notifier *notifier);

/** Beats the lease now; DP_ERR_LOST when it was taken over. */
int dp_producer_beat(dp_producer *producer);

/** The end of the last committed record (published or not). */
uint64_t dp_producer_position(const dp_producer *producer);

/** The largest payload this ring accepts. */
uint32_t dp_producer_max_record_length(const dp_producer *producer);

/** The epoch of the producer lease this end holds (1 for the first holder, one more per takeover or re-attach). */
uint64_t dp_producer_lease_epoch(const dp_producer *producer);

/** Records committed; times the producer slept for room. */
uint64_t dp_producer_records(const dp_producer *producer);
uint64_t dp_producer_sleeps(const dp_producer *producer);

/**
 * Detaches: the recovery hint moves to the frontier and the reservation shrinks to it, then the
 * lease is freed. A batch never published is dropped. Idempotent.
 */
int dp_producer_close(dp_producer *producer);

/** A record handed to a consumer's handler: the payload lies in the shared memory (read it in place, or copy it). */
typedef struct dp_record {
    const uint8_t *payload;
    uint32_t length;
    int32_t type;
} dp_record;

/**
 * Called for each record, in order. The record counts as consumed whatever the handler returns;
 * returning non-zero ends the batch after it. The payload may change under a hostile producer
 * while the handler reads it: copy it first if that matters.
 */
typedef int (*dp_handler)(void *context, const dp_record *record);

/** The consuming end of a region's ring. */
typedef struct dp_consumer {
    dp_ring ring;
    dp_lease lease;
    dp_wakeup wakeup;
    char name[160];
    int state;
    int closed;
    uint16_t epoch16;
    uint64_t head;
    uint64_t records;
    uint64_t bytes;
    char error[DP_ERROR_LENGTH];
} dp_consumer;

/** Attaches the consumer of ring `index`: claims its lease, fences its position word, resumes there. */
int dp_consumer_attach(dp_consumer *consumer, dp_region *region, uint32_t index);

/**
 * Hands up to `limit` records to `handler`, then publishes the consumer position once: returns
 * the number of records handled (0: none yet), or an error. A corrupt record ends the batch: the
 * records handled before it are acknowledged, and DP_ERR_CORRUPT is returned.
 */
int dp_consumer_poll(dp_consumer *consumer, dp_handler handler, void *context, int limit);

/**
 * Blocking poll: sleeps on `notifier` while the ring is empty, for at most `timeout_ns`:
 * the number of records handled (at least 1), DP_ERR_TIMEOUT or an error.
 */
int dp_consumer_take(dp_consumer *consumer, dp_handler handler, void *context, int limit,
                     const dp_notifier *notifier, uint64_t timeout_ns);

/** Kicks `notifier` after each acknowledgement when the producer sleeps for room. */
void dp_consumer_wake_peer_with(dp_consumer *consumer, const dp_notifier *notifier);

/** Beats the lease now; DP_ERR_LOST when it was taken over. */
int dp_consumer_beat(dp_consumer *consumer);

/** The position of the next record (published after each batch). */
uint64_t dp_consumer_position(const dp_consumer *consumer);

/** The epoch of the consumer lease this end holds. */
uint64_t dp_consumer_lease_epoch(const dp_consumer *consumer);

/** Records consumed; times the consumer slept for records. */
uint64_t dp_consumer_records(const dp_consumer *consumer);
uint64_t dp_consumer_sleeps(const dp_consumer *consumer);

/** Detaches, freeing the lease. Idempotent. */
int dp_consumer_close(dp_consumer *consumer);

#ifdef DP_PLATFORM_HOOKS
/*
 * Built with -DDP_PLATFORM_HOOKS (a platform without POSIX, such as a native CAmkES component),
 * the library calls these instead of clock_gettime, nanosleep and getrandom, and has no
 * dp_region_open (map the memory yourself, then dp_region_wrap). The platform defines them.
 */
uint64_t dp_platform_now_ns(void);           /* a monotonic clock, in nanoseconds */
void dp_platform_pause_ns(uint64_t ns);      /* sleep (or spin) for about ns nanoseconds */
uint32_t dp_platform_random32(void);         /* a random value, for holder identities and sleep numbers */
#endif

#ifdef __cplusplus
}
#endif

#endif /* DATAPORT_H */
