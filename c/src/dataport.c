/*
 * Dataport for C: regions, leases and the rings of layout version 3 (docs/layout.md is normative;
 * docs/c.md describes this library). The Java library is the reference: each function below names
 * the Java method and the TLA+ action it implements, so a reader can walk from one to the other.
 *
 * Layout of this file:
 *   1. the layout, as named constants (Java: RingLayout, RegionLayout);
 *   2. every access to shared memory, one function per kind of access, named after the TLA+
 *      action (Java: SharedRing, SharedRegion): nothing else touches a shared word;
 *   3. small helpers (positions, epochs, clocks, messages, CRC32C);
 *   4. geometry and the directory (RegionGeometry, RegionDirectory; spec/RegionFormat.tla);
 *   5. leases (Lease; spec/LeaseExpiry.tla);
 *   6. the wake-up protocol (Wakeup; spec/DataportWakeup.tla);
 *   7. the producer (RingProducer, Frontier, Holes; spec/DataportRing.tla, spec/RingFencing.tla);
 *   8. the consumer (RingConsumer).
 *
 * Shared memory is peer input: every word is read once into a local, validated there and never
 * re-read for use; every index into the region is computed from validated values only.
 */
#define _GNU_SOURCE
#include "dataport.h"

#include <assert.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#ifndef DP_PLATFORM_HOOKS
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#endif

/* The shared words are accessed as C11 atomics in place: they must be lock-free, or a peer in
 * another process (or VM) would not see the same atomicity. */
static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
static_assert(ATOMIC_LONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
static_assert(sizeof(unsigned long) == 8, "LP64: uint64_t is unsigned long");
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the layout is little-endian; this library reads it in place, so it needs a little-endian CPU"
#endif

/* ---- 1. The layout (docs/layout.md; Java RingLayout and RegionLayout) ---------------------- */

/* Ring header page. */
#define RING_MAGIC 0x54524F5041544144ULL        /* "DATAPORT" */
#define MAGIC_OFFSET 0
#define VERSION_OFFSET 8
#define HEADER_LENGTH_OFFSET 12
#define CAPACITY_OFFSET 16
#define MAX_RECORD_LENGTH_OFFSET 24
#define LAP_PREFIX_OFFSET 28
#define CREATION_EPOCH_OFFSET 32
#define TAG_OFFSET 40
#define PRODUCER_POSITION_OFFSET 128
#define PRODUCER_LEASE_OFFSET 136
#define PRODUCER_HEARTBEAT_OFFSET 144
#define RESERVATION_OFFSET 152
#define CONSUMER_POSITION_OFFSET 256
#define CONSUMER_LEASE_OFFSET 264
#define CONSUMER_HEARTBEAT_OFFSET 272
#define CONSUMER_NEEDS_WAKEUP_OFFSET 384
#define PRODUCER_NEEDS_WAKEUP_OFFSET 512
#define HOLE_TABLE_OFFSET 3072
#define HOLE_SLOTS 64
#define HEADER_LENGTH 4096u

#define POSITION_MASK ((1ULL << 48) - 1)
#define RECORD_HEADER_LENGTH 8u
#define PADDING_TYPE (-1)
#define END_TYPE (-2)
#define END_MARKER 0xFFFFFFFE00000000ULL        /* type -2, length 0: "no record here yet" */
#define MIN_CAPACITY 64u
#define MAX_CAPACITY (1u << 30)

/* Region directory page. */
#define REGION_MAGIC 0x4E4F494745525044ULL      /* "DPREGION" */
#define FORMAT_WORD_OFFSET 0
#define DIR_MAGIC_OFFSET 8
#define DIR_VERSION_OFFSET 16
#define DIR_LENGTH_OFFSET 20
#define REGION_SIZE_OFFSET 24
#define RING_COUNT_OFFSET 32
#define DIR_TAG_OFFSET 40
#define SLOTS_OFFSET 128
#define SLOT_LENGTH 64
#define SLOT_RING_OFFSET 0
#define SLOT_CAPACITY 8
#define SLOT_MAX_RECORD_LENGTH 12
#define SLOT_PRODUCER_NODE 16
#define SLOT_CONSUMER_NODE 20
#define SLOT_RING_ID 24
#define SLOT_LAP_PREFIX 32
#define DIRECTORY_LENGTH 4096u
#define REGION_ALIGNMENT 4096u
#define MIN_RING_CAPACITY (32u * 1024)
#define STATE_FORMATTING 0x46u                  /* 'F' */
#define STATE_READY 0x52u                       /* 'R' */
#define MAX_GENERATION ((1u << 24) - 1)

static uint64_t format_word(uint32_t state, uint32_t generation, uint32_t low) {
    return (uint64_t)state << 56 | (uint64_t)(generation & MAX_GENERATION) << 32 | low;
}

/* The lap prefix of the ring whose span starts at `span`: the directory page (ring at 0) and its header page. */
static uint32_t lap_prefix_of(uint64_t span) {
    return (span == 0 ? DIRECTORY_LENGTH : 0) + HEADER_LENGTH;
}

static uint64_t end_marker(uint16_t epoch16) {
    return END_MARKER | epoch16;
}

static int is_end_marker(uint64_t header) {
    return (header & 0xFFFFFFFFFFFF0000ULL) == END_MARKER;
}

static uint64_t pack_header(uint32_t length, int32_t type) {
    return (uint64_t)length | (uint64_t)(uint32_t)type << 32;
}

static int32_t header_length(uint64_t header) {
    return (int32_t)(uint32_t)header;
}

static int32_t header_type(uint64_t header) {
    return (int32_t)(uint32_t)(header >> 32);
}

/* Bytes a record of `length` payload bytes occupies (64-bit: `length` may come from a peer). */
static uint64_t record_size(uint64_t length) {
    return (RECORD_HEADER_LENGTH + length + 7) & ~7ULL;
}

/* ---- 2. Shared memory: every access, one function per kind (Java SharedRing, SharedRegion) -- */
/* Words are 8-byte aligned by the layout; the region base is checked to be 8-byte aligned. */

static _Atomic uint64_t *word64(uint8_t *base, uint64_t offset) {
    return (_Atomic uint64_t *)(void *)(base + offset);
}

static _Atomic uint32_t *word32(uint8_t *base, uint64_t offset) {
    return (_Atomic uint32_t *)(void *)(base + offset);
}

/* Plain little-endian fields written before a release (the magic, "ready") and read after the acquire. */
static void put32(uint8_t *at, uint32_t value) {
    memcpy(at, &value, 4);
}

static void put64(uint8_t *at, uint64_t value) {
    memcpy(at, &value, 8);
}

static uint32_t get32(const uint8_t *at) {
    uint32_t value;
    memcpy(&value, at, 4);
    return value;
}

static uint64_t get64(const uint8_t *at) {
    uint64_t value;
    memcpy(&value, at, 8);
    return value;
}

/* ReadFormatWord (acquire); Claim / TakeOverFormat / Publish of the directory (CAS). */
static uint64_t read_format_word(uint8_t *region) {
    return atomic_load_explicit(word64(region, FORMAT_WORD_OFFSET), memory_order_acquire);
}

static int cas_format_word(uint8_t *region, uint64_t expected, uint64_t value) {
    return atomic_compare_exchange_strong(word64(region, FORMAT_WORD_OFFSET), &expected, value);
}

/* The ring header page's magic: the creator's last store (release), an opener's first load (acquire). */
static void write_magic(uint8_t *header) {
    atomic_store_explicit(word64(header, MAGIC_OFFSET), RING_MAGIC, memory_order_release);
}

static uint64_t read_magic(uint8_t *header) {
    return atomic_load_explicit(word64(header, MAGIC_OFFSET), memory_order_acquire);
}

/* Position words (producer hint, consumer position), the reservation word, hole words: acquire / CAS. */
static uint64_t read_word(uint8_t *header, uint32_t offset) {
    return atomic_load_explicit(word64(header, offset), memory_order_acquire);
}

static int cas_word(uint8_t *header, uint32_t offset, uint64_t expected, uint64_t value) {
    return atomic_compare_exchange_strong(word64(header, offset), &expected, value);
}

/* Lease words: sequentially consistent load and CAS (Java getVolatile / compareAndSet). */
static uint64_t read_lease(uint8_t *lease) {
    return atomic_load(word64(lease, 0));
}

static int cas_lease(uint8_t *lease, uint64_t expected, uint64_t value) {
    return atomic_compare_exchange_strong(word64(lease, 0), &expected, value);
}

/* Beat: the holder's heartbeat counter (release store / acquire load). */
static void write_heartbeat(uint8_t *heartbeat, uint64_t value) {
    atomic_store_explicit(word64(heartbeat, 0), value, memory_order_release);
}

static uint64_t read_heartbeat(uint8_t *heartbeat) {
    return atomic_load_explicit(word64(heartbeat, 0), memory_order_acquire);
}

/* SetNeedsWakeup / Clear (release store), ReadNeedsWakeup (acquire load), and the full fence between. */
static void write_needs_wakeup(uint8_t *header, uint32_t offset, uint32_t value) {
    atomic_store_explicit(word32(header, offset), value, memory_order_release);
}

static uint32_t read_needs_wakeup(uint8_t *header, uint32_t offset) {
    return atomic_load_explicit(word32(header, offset), memory_order_acquire);
}

static void full_fence(void) {
    atomic_thread_fence(memory_order_seq_cst);
}

/*
 * ReadSlot, ReadRecordHeader, ScanForEnd: one acquire load of a header word at data index `index`,
 * decoded by the caller from this one local (never two 32-bit loads: the mutant TornHeaderRead).
 */
static uint64_t read_header_word(const dp_ring *ring, uint32_t index) {
    return atomic_load_explicit(word64(ring->data, index), memory_order_acquire);
}

/* WriteEndMarker: one 8-byte store (relaxed: the header CAS after it orders it). */
static void write_end_marker_word(const dp_ring *ring, uint32_t index, uint64_t value) {
    atomic_store_explicit(word64(ring->data, index), value, memory_order_relaxed);
}

/* WriteEndMarker at a lap's first slot, WritePadding, WriteRecordHeader, Publish: CAS from the value read at the claim. */
static int cas_header_word(const dp_ring *ring, uint32_t index, uint64_t expected, uint64_t value) {
    return atomic_compare_exchange_strong(word64(ring->data, index), &expected, value);
}

/* ---- 3. Helpers ---------------------------------------------------------------------------- */

static int64_t diff(uint64_t a, uint64_t b) {
    return (int64_t)(a - b);
}

static uint64_t pack_position(uint16_t epoch16, uint64_t position) {
    return (uint64_t)epoch16 << 48 | (position & POSITION_MASK);
}

static uint16_t word_epoch(uint64_t word) {
    return (uint16_t)(word >> 48);
}

/* The 64-bit position of `word` nearest to `reference` (Java RingLayout.positionNear). */
static uint64_t position_near(uint64_t word, uint64_t reference) {
    uint64_t d = (word - reference) & POSITION_MASK;
    if (d & (1ULL << 47)) {
        d |= ~POSITION_MASK;                  /* sign-extend the 48-bit difference */
    }
    return reference + d;
}

/* Whether 16-bit epoch a is newer than b, modulo 2^16. */
static int is_newer_epoch(uint16_t a, uint16_t b) {
    uint16_t d = (uint16_t)(a - b);
    return d != 0 && d < 0x8000;
}

static int is_power_of_two(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

#ifdef DP_PLATFORM_HOOKS
/* A platform without POSIX (a native CAmkES component) supplies time, sleep and randomness (dataport.h). */
static uint64_t now_ns(void) {
    return dp_platform_now_ns();
}

static uint64_t coarse_ns(void) {
    return dp_platform_now_ns();
}

static void pause_ns(uint64_t ns) {
    dp_platform_pause_ns(ns);
}

static void yield_cpu(void) {
}
#else
static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* A cheap clock for the beat schedule (a few ms of resolution is plenty for timeout / 4). */
static uint64_t coarse_ns(void) {
    struct timespec t;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
#else
    clock_gettime(CLOCK_MONOTONIC, &t);
#endif
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void pause_ns(uint64_t ns) {
    struct timespec t = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static void yield_cpu(void) {
    sched_yield();
}
#endif

/* Now + timeout, saturating: a timeout of UINT64_MAX waits for ever instead of wrapping. */
static uint64_t deadline_after(uint64_t timeout_ns) {
    uint64_t now = now_ns();
    return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

/* How long a claimant waits between two observations: timeout / 50, in [1 ms, 100 ms] (Java RegionOptions). */
static uint64_t observation_pause(uint64_t timeout) {
    uint64_t p = timeout / 50;
    return p < 1000000ULL ? 1000000ULL : p > 100000000ULL ? 100000000ULL : p;
}

static uint32_t random32(void) {
#ifdef DP_PLATFORM_HOOKS
    return dp_platform_random32();
#else
    uint32_t value = 0;
    if (getrandom(&value, sizeof value, 0) != (ssize_t)sizeof value) {
        value = (uint32_t)(now_ns() * 0x9E3779B97F4A7C15ULL >> 32) ^ (uint32_t)getpid();
    }
    return value;
#endif
}

/* Writes the pieces one after the other into `error`, cut at DP_ERROR_LENGTH - 1 bytes: one line, bounded. */
static void set_error(char *error, const char *a, const char *b, const char *c, const char *d) {
    const char *pieces[4] = {a, b, c, d};
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        for (const char *at = pieces[i]; at != NULL && *at != 0 && n < DP_ERROR_LENGTH - 1; at++) {
            error[n++] = *at == '\n' ? ' ' : *at;
        }
    }
    error[n] = 0;
}

/* Writes "<name>: <message>" into `error` and returns `status`. */
static int say(char *error, const char *name, int status, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int say(char *error, const char *name, int status, const char *format, ...) {
    char message[DP_ERROR_LENGTH];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    set_error(error, name, ": ", message, NULL);
    return status;
}

/* CRC32C (Castagnoli, reflected 0x82F63B78), as java.util.zip.CRC32C. */
static uint32_t crc32c(const uint8_t *bytes, size_t length) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < length; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

const char *dp_status_name(int status) {
    switch (status) {
    case DP_OK: return "DP_OK";
    case DP_FULL: return "DP_FULL";
    case DP_ERR_ARGUMENT: return "DP_ERR_ARGUMENT";
    case DP_ERR_SYSTEM: return "DP_ERR_SYSTEM";
    case DP_ERR_CORRUPT: return "DP_ERR_CORRUPT";
    case DP_ERR_LOST: return "DP_ERR_LOST";
    case DP_ERR_HELD: return "DP_ERR_HELD";
    case DP_ERR_REFUSED: return "DP_ERR_REFUSED";
    case DP_ERR_TIMEOUT: return "DP_ERR_TIMEOUT";
    default: return status > 0 ? "DP_OK (a count)" : "unknown status";
    }
}

/* ---- 4. Geometry and the directory (RegionGeometry, RegionDirectory; spec/RegionFormat.tla) -- */

static uint32_t max_record_length_for(uint32_t capacity, uint32_t prefix) {
    return (capacity - prefix) / 2 - RECORD_HEADER_LENGTH;
}

/* Why these sizes are not a valid ring (Java RingConfig.problem), written into `why`, or 0. */
static int sizes_problem(uint64_t capacity, uint64_t max, uint64_t prefix, char *why, size_t room) {
    if (!is_power_of_two(capacity)) {
        snprintf(why, room, "capacity %llu is not a power of two", (unsigned long long)capacity);
    } else if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
        snprintf(why, room, "capacity %llu is outside [%u, %u]", (unsigned long long)capacity, MIN_CAPACITY,
                 MAX_CAPACITY);
    } else if (prefix > capacity / 4 || prefix % 8 != 0) {
        snprintf(why, room, "lap prefix %llu is not a multiple of 8 in [0, capacity / 4 = %llu]",
                 (unsigned long long)prefix, (unsigned long long)(capacity / 4));
    } else if (max > max_record_length_for((uint32_t)capacity, (uint32_t)prefix)) {
        snprintf(why, room, "max record length %llu is outside [0, %u] (a record may take at most half of the"
                 " capacity %llu less its lap prefix %llu)", (unsigned long long)max,
                 max_record_length_for((uint32_t)capacity, (uint32_t)prefix), (unsigned long long)capacity,
                 (unsigned long long)prefix);
    } else {
        return 0;
    }
    return 1;
}

static uint64_t ring_offset(const dp_geometry *g, uint32_t index) {
    uint64_t offset = 0;
    for (uint32_t j = 0; j < index; j++) {
        offset += g->rings[j].capacity;
    }
    return offset;
}

/* Why `g` is not a valid geometry (Java RegionGeometry.problem), or 0. */
static int geometry_problem(const dp_geometry *g, char *why, size_t room) {
    if (g->size == 0 || g->size % REGION_ALIGNMENT != 0) {
        snprintf(why, room, "region size %llu is not a positive multiple of %u", (unsigned long long)g->size,
                 REGION_ALIGNMENT);
        return 1;
    }
    if (g->ring_count < 1 || g->ring_count > DP_MAX_RINGS) {
        snprintf(why, room, "%u rings: a region holds 1 to %d", g->ring_count, DP_MAX_RINGS);
        return 1;
    }
    uint64_t end = 0;
    for (uint32_t i = 0; i < g->ring_count; i++) {
        const dp_ring_spec *r = &g->rings[i];
        char sizes[200];
        if (r->capacity < MIN_RING_CAPACITY) {
            snprintf(why, room, "ring %u: capacity %u is below %u", i, r->capacity, MIN_RING_CAPACITY);
            return 1;
        }
        if (sizes_problem(r->capacity, r->max_record_length, lap_prefix_of(end), sizes, sizeof sizes)) {
            snprintf(why, room, "ring %u: %s", i, sizes);
            return 1;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (g->rings[j].id == r->id) {
                snprintf(why, room, "ring %u: id %llu is used twice", i, (unsigned long long)r->id);
                return 1;
            }
        }
        end += r->capacity;
    }
    if (end > g->size) {
        snprintf(why, room, "the rings need %llu bytes but the region has %llu", (unsigned long long)end,
                 (unsigned long long)g->size);
        return 1;
    }
    return 0;
}

int dp_geometry_pair(dp_geometry *g, uint64_t size, uint32_t a, uint32_t b, uint64_t tag) {
    if (g == NULL || size < 2ULL * MIN_RING_CAPACITY || size % REGION_ALIGNMENT != 0) {
        return DP_ERR_ARGUMENT;
    }
    uint64_t half = size / 2 < MAX_CAPACITY ? size / 2 : MAX_CAPACITY;
    uint32_t capacity = 1;
    while ((uint64_t)capacity * 2 <= half) {
        capacity *= 2;
    }
    uint32_t max = max_record_length_for(capacity, lap_prefix_of(0));
    memset(g, 0, sizeof *g);
    g->size = size;
    g->tag = tag;
    g->ring_count = 2;
    g->rings[0] = (dp_ring_spec){0, capacity, max, a, b};
    g->rings[1] = (dp_ring_spec){1, capacity, max, b, a};
    return DP_OK;
}

int dp_geometry_index_of(const dp_geometry *g, uint32_t producer, uint32_t consumer) {
    for (uint32_t i = 0; i < g->ring_count && i < DP_MAX_RINGS; i++) {
        if (g->rings[i].producer_node == producer && g->rings[i].consumer_node == consumer) {
            return (int)i;
        }
    }
    return -1;
}

void dp_options_default(dp_options *o) {
    uint32_t holder;
    do {
        holder = random32();
    } while (holder == 0);
    o->holder = holder;
    o->lease_timeout_ns = 10ULL * 1000000000ULL;
    o->take_over = 1;
    o->auto_beat = 1;
}

/* The directory image of a geometry (bytes 8 .. 4095 as the formatter writes them; byte 0 .. 7 unused). */
static void directory_image(const dp_geometry *g, uint8_t *image) {
    memset(image, 0, DIRECTORY_LENGTH);
    put64(image + DIR_MAGIC_OFFSET, REGION_MAGIC);
    put32(image + DIR_VERSION_OFFSET, DP_LAYOUT_VERSION);
    put32(image + DIR_LENGTH_OFFSET, DIRECTORY_LENGTH);
    put64(image + REGION_SIZE_OFFSET, g->size);
    put32(image + RING_COUNT_OFFSET, g->ring_count);
    put64(image + DIR_TAG_OFFSET, g->tag);
    for (uint32_t i = 0; i < g->ring_count; i++) {
        uint8_t *slot = image + SLOTS_OFFSET + SLOT_LENGTH * i;
        uint64_t offset = ring_offset(g, i);
        put64(slot + SLOT_RING_OFFSET, offset);
        put32(slot + SLOT_CAPACITY, g->rings[i].capacity);
        put32(slot + SLOT_MAX_RECORD_LENGTH, g->rings[i].max_record_length);
        put32(slot + SLOT_PRODUCER_NODE, g->rings[i].producer_node);
        put32(slot + SLOT_CONSUMER_NODE, g->rings[i].consumer_node);
        put64(slot + SLOT_RING_ID, g->rings[i].id);
        put32(slot + SLOT_LAP_PREFIX, lap_prefix_of(offset));
    }
}

/* The header page and data region of the ring whose span is `capacity` bytes at `span`. */
static void ring_at(uint8_t *base, uint64_t span, uint32_t capacity, dp_ring *ring) {
    uint32_t prefix = lap_prefix_of(span);
    ring->header = base + span + prefix - HEADER_LENGTH;
    ring->data = base + span;
    ring->capacity = capacity;
    ring->mask = capacity - 1;
    ring->lap_prefix = prefix;
}

/* The creator's header page (Java SharedRing.initialiseHeader): sizes, END at the first slot, the magic last. */
static void initialise_header(dp_ring *ring, uint32_t max, uint64_t creation_epoch, uint64_t tag) {
    put32(ring->header + VERSION_OFFSET, DP_LAYOUT_VERSION);
    put32(ring->header + HEADER_LENGTH_OFFSET, HEADER_LENGTH);
    put64(ring->header + CAPACITY_OFFSET, ring->capacity);
    put32(ring->header + MAX_RECORD_LENGTH_OFFSET, max);
    put32(ring->header + LAP_PREFIX_OFFSET, ring->lap_prefix);
    put64(ring->header + CREATION_EPOCH_OFFSET, creation_epoch);
    put64(ring->header + TAG_OFFSET, tag);
    write_end_marker_word(ring, ring->lap_prefix, END_MARKER);
    write_magic(ring->header);
}

/* WriteField (the directory and each ring's header page), then Publish. Returns also when overtaken. */
static void format_region(dp_region *r, const dp_geometry *g, uint32_t generation) {
    uint8_t image[DIRECTORY_LENGTH];
    directory_image(g, image);
    memcpy(r->base + 8, image + 8, DIRECTORY_LENGTH - 8);
    for (uint32_t i = 0; i < g->ring_count; i++) {
        dp_ring ring;
        ring_at(r->base, ring_offset(g, i), g->rings[i].capacity, &ring);
        initialise_header(&ring, g->rings[i].max_record_length, generation, g->rings[i].id);
    }
    cas_format_word(r->base, format_word(STATE_FORMATTING, generation, r->options.holder),
                    format_word(STATE_READY, generation, crc32c(image + 8, DIRECTORY_LENGTH - 8)));
}

/* Whether a region whose format word is 0 holds anything (Java RegionDirectory.garbage). */
static int region_garbage(dp_region *r, const dp_geometry *g, char *why, size_t room) {
    for (uint32_t at = 8; at < DIRECTORY_LENGTH; at += 8) {
        if (get64(r->base + at) != 0) {
            snprintf(why, room, "not zero-filled and holds no Dataport directory (format word 0, other directory"
                     " bytes set): give a fresh region, or zero this one");
            return 1;
        }
    }
    for (uint32_t i = 0; i < g->ring_count; i++) {
        dp_ring ring;
        ring_at(r->base, ring_offset(g, i), g->rings[i].capacity, &ring);
        int set = 0;
        for (uint32_t at = PRODUCER_POSITION_OFFSET; at < PRODUCER_NEEDS_WAKEUP_OFFSET + 128; at += 8) {
            set |= get64(ring.header + at) != 0;
        }
        for (uint32_t slot = 0; slot < HOLE_SLOTS; slot++) {
            set |= read_word(ring.header, HOLE_TABLE_OFFSET + 8 * slot) != 0;
        }
        if (set) {
            snprintf(why, room, "not zero-filled (ring %u's positions or leases are set) and holds no Dataport"
                     " directory: give a fresh region, or zero this one", i);
            return 1;
        }
    }
    return 0;
}

/* The first field of a directory image that is not valid (Java RegionDirectory.problem), or 0. */
static int directory_problem(const uint8_t *image, uint64_t region_size, char *why, size_t room) {
    if (get64(image + DIR_MAGIC_OFFSET) != REGION_MAGIC) {
        snprintf(why, room, "magic 0x%016llx, expected 0x%016llx (\"DPREGION\")",
                 (unsigned long long)get64(image + DIR_MAGIC_OFFSET), (unsigned long long)REGION_MAGIC);
        return 1;
    }
    if (get32(image + DIR_VERSION_OFFSET) != DP_LAYOUT_VERSION) {
        snprintf(why, room, "layout version %d, but this library reads version %d",
                 (int32_t)get32(image + DIR_VERSION_OFFSET), DP_LAYOUT_VERSION);
        return 1;
    }
    if (get32(image + DIR_LENGTH_OFFSET) != DIRECTORY_LENGTH) {
        snprintf(why, room, "directory length %d, expected %u", (int32_t)get32(image + DIR_LENGTH_OFFSET),
                 DIRECTORY_LENGTH);
        return 1;
    }
    if (get64(image + REGION_SIZE_OFFSET) != region_size) {
        snprintf(why, room, "region size %lld but %llu bytes are mapped", (long long)get64(image + REGION_SIZE_OFFSET),
                 (unsigned long long)region_size);
        return 1;
    }
    int32_t count = (int32_t)get32(image + RING_COUNT_OFFSET);
    if (count < 1 || count > DP_MAX_RINGS) {
        snprintf(why, room, "ring count %d is outside [1, %d]", count, DP_MAX_RINGS);
        return 1;
    }
    uint64_t expected = 0;
    for (int32_t i = 0; i < count; i++) {
        const uint8_t *slot = image + SLOTS_OFFSET + SLOT_LENGTH * i;
        uint64_t offset = get64(slot + SLOT_RING_OFFSET);
        int32_t capacity = (int32_t)get32(slot + SLOT_CAPACITY);
        int32_t max = (int32_t)get32(slot + SLOT_MAX_RECORD_LENGTH);
        int32_t prefix = (int32_t)get32(slot + SLOT_LAP_PREFIX);
        char sizes[200];
        if (offset != expected) {
            snprintf(why, room, "ring %d at offset %lld, expected %llu (rings follow each other)", i, (long long)offset,
                     (unsigned long long)expected);
            return 1;
        }
        if (prefix != (int32_t)lap_prefix_of(offset)) {
            snprintf(why, room, "ring %d: lap prefix %d, expected %u", i, prefix, lap_prefix_of(offset));
            return 1;
        }
        if (capacity < (int32_t)MIN_RING_CAPACITY) {
            snprintf(why, room, "ring %d: capacity %d is below %u", i, capacity, MIN_RING_CAPACITY);
            return 1;
        }
        if (max < 0 || sizes_problem((uint64_t)capacity, (uint64_t)max, (uint64_t)prefix, sizes, sizeof sizes)) {
            if (max < 0) {
                snprintf(sizes, sizeof sizes, "max record length %d is negative", max);
            }
            snprintf(why, room, "ring %d: %s", i, sizes);
            return 1;
        }
        expected += (uint64_t)capacity;
        if (expected > region_size) {
            snprintf(why, room, "ring %d ends at %llu, past the region's %llu bytes", i, (unsigned long long)expected,
                     (unsigned long long)region_size);
            return 1;
        }
        for (int32_t j = 0; j < i; j++) {
            if (get64(image + SLOTS_OFFSET + SLOT_LENGTH * j + SLOT_RING_ID) == get64(slot + SLOT_RING_ID)) {
                snprintf(why, room, "ring %d has the id of ring %d", i, j);
                return 1;
            }
        }
    }
    return 0;
}

static int same_geometry(const dp_geometry *a, const dp_geometry *b) {
    if (a->size != b->size || a->tag != b->tag || a->ring_count != b->ring_count) {
        return 0;
    }
    for (uint32_t i = 0; i < a->ring_count; i++) {
        const dp_ring_spec *x = &a->rings[i], *y = &b->rings[i];
        if (x->id != y->id || x->capacity != y->capacity || x->max_record_length != y->max_record_length
            || x->producer_node != y->producer_node || x->consumer_node != y->consumer_node) {
            return 0;
        }
    }
    return 1;
}

static void describe_geometry(const dp_geometry *g, char *out, size_t room) {
    int n = snprintf(out, room, "%llu bytes, tag %lld", (unsigned long long)g->size, (long long)g->tag);
    for (uint32_t i = 0; i < g->ring_count && n > 0 && (size_t)n < room; i++) {
        n += snprintf(out + n, room - (size_t)n, "; ring %lld: %u->%u, capacity %u, max record %u",
                      (long long)g->rings[i].id, g->rings[i].producer_node, g->rings[i].consumer_node,
                      g->rings[i].capacity, g->rings[i].max_record_length);
    }
}

/* ReadField, Validate: the ready directory copied once, checked like any bytes a peer wrote. */
static int validate_directory(dp_region *r, uint64_t word, const dp_geometry *wanted) {
    uint8_t image[DIRECTORY_LENGTH];
    char why[DP_ERROR_LENGTH];
    memset(image, 0, 8);
    memcpy(image + 8, r->base + 8, DIRECTORY_LENGTH - 8);
    if (read_format_word(r->base) != word) {
        return say(r->error, r->name, DP_ERR_CORRUPT, "the directory changed while it was read (ready is never"
                   " rewritten: a peer is not following the protocol)");
    }
    uint32_t crc = crc32c(image + 8, DIRECTORY_LENGTH - 8);
    if (crc != (uint32_t)word) {
        return say(r->error, r->name, DP_ERR_CORRUPT, "directory checksum 0x%08x does not match the one in the format"
                   " word (0x%08x): the directory is corrupt; zero the region and start again", crc, (uint32_t)word);
    }
    if (directory_problem(image, r->size, why, sizeof why)) {
        return say(r->error, r->name, DP_ERR_CORRUPT, "corrupt directory: %s", why);
    }
    dp_geometry found;
    memset(&found, 0, sizeof found);
    found.size = r->size;
    found.tag = get64(image + DIR_TAG_OFFSET);
    found.ring_count = get32(image + RING_COUNT_OFFSET);
    for (uint32_t i = 0; i < found.ring_count; i++) {
        const uint8_t *slot = image + SLOTS_OFFSET + SLOT_LENGTH * i;
        found.rings[i] = (dp_ring_spec){get64(slot + SLOT_RING_ID), get32(slot + SLOT_CAPACITY),
                                        get32(slot + SLOT_MAX_RECORD_LENGTH), get32(slot + SLOT_PRODUCER_NODE),
                                        get32(slot + SLOT_CONSUMER_NODE)};
    }
    if (wanted != NULL && !same_geometry(wanted, &found)) {
        char a[DP_ERROR_LENGTH / 2], b[DP_ERROR_LENGTH / 2];
        describe_geometry(&found, a, sizeof a);
        describe_geometry(wanted, b, sizeof b);
        return say(r->error, r->name, DP_ERR_REFUSED, "holds another geometry (%s) than the one asked for (%s)", a, b);
    }
    r->geometry = found;
    r->generation = (uint32_t)(word >> 32) & MAX_GENERATION;
    return DP_OK;
}

/*
 * Formats the region with `wanted` or finds it formatted (Java RegionDirectory.attach): the format
 * word goes empty -> formatting(1, me) -> ready(1, crc) by CAS only, so at most one formatter
 * publishes each generation; a formatting word that stands still for the lease timeout is taken
 * over with the next generation; ready is never rewritten.
 */
static int attach_directory(dp_region *r, const dp_geometry *wanted) {
    char why[DP_ERROR_LENGTH];
    if (r->size < DIRECTORY_LENGTH) {
        return say(r->error, r->name, DP_ERR_REFUSED, "%llu bytes is smaller than the %u-byte directory",
                   (unsigned long long)r->size, DIRECTORY_LENGTH);
    }
    if (wanted != NULL && geometry_problem(wanted, why, sizeof why)) {
        return say(r->error, r->name, DP_ERR_ARGUMENT, "bad geometry: %s", why);
    }
    if (wanted != NULL && wanted->size != r->size) {
        return say(r->error, r->name, DP_ERR_REFUSED, "the region has %llu bytes but the geometry asks for %llu",
                   (unsigned long long)r->size, (unsigned long long)wanted->size);
    }
    uint64_t timeout = r->options.lease_timeout_ns;
    uint64_t pause = observation_pause(timeout);
    uint64_t watched = ~0ULL;
    uint64_t since = now_ns();
    for (;;) {
        uint64_t word = read_format_word(r->base);                      /* ReadFormatWord */
        uint32_t state = (uint32_t)(word >> 56);
        if (word == 0) {
            if (wanted == NULL) {
                if (now_ns() - since >= timeout) {
                    return say(r->error, r->name, DP_ERR_REFUSED, "not formatted, and no peer formatted it within"
                               " the lease timeout: attach with the region's geometry to format it");
                }
                pause_ns(pause);
                continue;
            }
            if (region_garbage(r, wanted, why, sizeof why)) {
                if (read_format_word(r->base) != 0) {
                    continue;                   /* a peer claimed it and is writing: not garbage */
                }
                return say(r->error, r->name, DP_ERR_REFUSED, "%s", why);
            }
            if (cas_format_word(r->base, 0, format_word(STATE_FORMATTING, 1, r->options.holder))) {
                format_region(r, wanted, 1);
            }
            continue;
        }
        if (state == STATE_FORMATTING) {
            if (word != watched) {
                watched = word;
                since = now_ns();
            } else if (now_ns() - since >= timeout && wanted != NULL) {  /* TakeOverFormat */
                uint32_t generation = ((uint32_t)(word >> 32) & MAX_GENERATION) + 1;
                if (generation > MAX_GENERATION) {
                    return say(r->error, r->name, DP_ERR_REFUSED, "format generation overflow; zero the region");
                }
                if (cas_format_word(r->base, word, format_word(STATE_FORMATTING, generation, r->options.holder))) {
                    format_region(r, wanted, generation);
                }
                continue;
            } else if (now_ns() - since >= timeout) {
                return say(r->error, r->name, DP_ERR_REFUSED, "a peer started formatting the region and stalled:"
                           " attach with the region's geometry to take the format over");
            }
            pause_ns(pause);
            continue;
        }
        if (state == STATE_READY) {
            return validate_directory(r, word, wanted);
        }
        return say(r->error, r->name, DP_ERR_REFUSED, "format word 0x%016llx is not a Dataport directory: the"
                   " region holds something else; give a zero-filled region", (unsigned long long)word);
    }
}

static int region_attach(dp_region *r, const dp_geometry *wanted, const dp_options *options) {
    if (options != NULL) {
        r->options = *options;
    } else {
        dp_options_default(&r->options);
    }
    if (r->options.holder == 0) {
        return say(r->error, r->name, DP_ERR_ARGUMENT, "holder identity 0 means \"free\": choose another");
    }
    if (r->options.lease_timeout_ns == 0) {
        return say(r->error, r->name, DP_ERR_ARGUMENT, "the lease timeout must be positive");
    }
    return attach_directory(r, wanted);
}

int dp_region_wrap(dp_region *r, void *base, uint64_t size, const dp_geometry *wanted, const dp_options *options) {
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "memory at %p", base);
    if (base == NULL || ((uintptr_t)base & 7) != 0) {
        return say(r->error, r->name, DP_ERR_ARGUMENT, "the region must start at an 8-byte aligned address");
    }
    r->base = base;
    r->size = size;
    return region_attach(r, wanted, options);
}

#ifdef DP_PLATFORM_HOOKS
int dp_region_open(dp_region *r, const char *path, const dp_geometry *wanted, const dp_options *options) {
    (void)wanted;
    (void)options;
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", path == NULL ? "(null)" : path);
    return say(r->error, r->name, DP_ERR_ARGUMENT, "this build has no files (DP_PLATFORM_HOOKS): give the mapped"
               " memory to dp_region_wrap");
}

void dp_region_close(dp_region *r) {
    if (r != NULL) {
        r->base = NULL;
    }
}
#else
int dp_region_open(dp_region *r, const char *path, const dp_geometry *wanted, const dp_options *options) {
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", path == NULL ? "(null)" : path);
    if (path == NULL) {
        return say(r->error, r->name, DP_ERR_ARGUMENT, "no path given");
    }
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return say(r->error, r->name, DP_ERR_SYSTEM, "cannot open read-write: %s%s", strerror(e),
                   e == ENOENT ? " (create the region file first, or check the device path)" : "");
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return say(r->error, r->name, DP_ERR_SYSTEM, "cannot stat: %s", strerror(e));
    }
    if (st.st_size <= 0) {
        close(fd);
        return say(r->error, r->name, DP_ERR_REFUSED, "its size reads 0: a device node must be mapped by the caller"
                   " with its length (then dp_region_wrap), or the file is empty");
    }
    void *base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (base == MAP_FAILED) {
        return say(r->error, r->name, DP_ERR_SYSTEM, "cannot map %lld bytes: %s", (long long)st.st_size, strerror(e));
    }
    r->base = base;
    r->size = (uint64_t)st.st_size;
    r->mapped = 1;
    int status = region_attach(r, wanted, options);
    if (status != DP_OK) {
        munmap(r->base, (size_t)r->size);
        r->base = NULL;
        r->mapped = 0;
    }
    return status;
}

void dp_region_close(dp_region *r) {
    if (r != NULL && r->mapped && r->base != NULL) {
        munmap(r->base, (size_t)r->size);
    }
    if (r != NULL) {
        r->base = NULL;
        r->mapped = 0;
    }
}
#endif

/* The ring's bytes, its header page validated against the directory (Java Region.ring, RingHeader.problem). */
static int open_ring(dp_region *r, uint32_t index, dp_ring *ring, char *error, const char *name) {
    if (r == NULL || r->base == NULL) {
        return say(error, name, DP_ERR_ARGUMENT, "the region is not open");
    }
    if (index >= r->geometry.ring_count) {
        return say(error, name, DP_ERR_ARGUMENT, "ring index %u is outside [0, %u)", index, r->geometry.ring_count);
    }
    const dp_ring_spec *spec = &r->geometry.rings[index];
    ring_at(r->base, ring_offset(&r->geometry, index), spec->capacity, ring);
    ring->max_record_length = spec->max_record_length;
    char why[200];
    uint64_t magic = read_magic(ring->header);
    if (magic == 0) {
        snprintf(why, sizeof why, "not initialised (magic is 0)");
    } else if (magic != RING_MAGIC) {
        snprintf(why, sizeof why, "bad magic 0x%016llx, expected 0x%016llx (\"DATAPORT\")", (unsigned long long)magic,
                 (unsigned long long)RING_MAGIC);
    } else if (get32(ring->header + VERSION_OFFSET) != DP_LAYOUT_VERSION) {
        snprintf(why, sizeof why, "layout version %d, but this library reads version %d",
                 (int32_t)get32(ring->header + VERSION_OFFSET), DP_LAYOUT_VERSION);
    } else if (get32(ring->header + HEADER_LENGTH_OFFSET) != HEADER_LENGTH) {
        snprintf(why, sizeof why, "header length %d, expected %u", (int32_t)get32(ring->header + HEADER_LENGTH_OFFSET),
                 HEADER_LENGTH);
    } else if (sizes_problem(get64(ring->header + CAPACITY_OFFSET), get32(ring->header + MAX_RECORD_LENGTH_OFFSET),
                             get32(ring->header + LAP_PREFIX_OFFSET), why, sizeof why)) {
        /* why is set */
    } else if (get64(ring->header + CAPACITY_OFFSET) != spec->capacity
               || get32(ring->header + MAX_RECORD_LENGTH_OFFSET) != spec->max_record_length
               || get32(ring->header + LAP_PREFIX_OFFSET) != ring->lap_prefix) {
        snprintf(why, sizeof why, "its header's sizes differ from the directory's");
    } else {
        return DP_OK;
    }
    return say(error, name, DP_ERR_CORRUPT, "corrupt ring header: %s", why);
}

/* ---- 5. Leases (Java Lease; spec/LeaseExpiry.tla) ------------------------------------------ */

static uint64_t next_lease(uint64_t lease, uint32_t holder) {
    return ((lease >> 32) + 1) << 32 | holder;
}

/* Beat: moves the heartbeat unless the role was taken over (then the lease is lost for good). */
static int lease_beat(dp_lease *lease) {
    if (lease->lost) {
        return 0;
    }
    if (read_lease(lease->word) != lease->value) {
        lease->lost = 1;
        return 0;
    }
    write_heartbeat(lease->heartbeat, ++lease->beats);
    lease->next_beat_ns = coarse_ns() + lease->period_ns;
    return 1;
}

/*
 * Claim (free), Observe, Expired (take over): a free role by one CAS; a held one only when its
 * lease word and heartbeat stood still for the whole timeout of our own clock, by a CAS from
 * exactly the value watched. The claim is the new holder's first beat.
 */
static int lease_claim(dp_lease *lease, dp_ring *ring, int producer, const dp_options *o, char *error,
                       const char *name) {
    const char *role = producer ? "producer" : "consumer";
    memset(lease, 0, sizeof *lease);
    lease->word = ring->header + (producer ? PRODUCER_LEASE_OFFSET : CONSUMER_LEASE_OFFSET);
    lease->heartbeat = ring->header + (producer ? PRODUCER_HEARTBEAT_OFFSET : CONSUMER_HEARTBEAT_OFFSET);
    uint64_t pause = observation_pause(o->lease_timeout_ns);
    uint64_t watched = read_lease(lease->word);
    uint64_t watched_beat = read_heartbeat(lease->heartbeat);
    uint64_t since = now_ns();
    for (;;) {
        uint64_t l = read_lease(lease->word);
        uint64_t beat = read_heartbeat(lease->heartbeat);
        int won = 0;
        if ((uint32_t)l == 0) {                                           /* Claim (free) */
            if (!cas_lease(lease->word, l, next_lease(l, o->holder))) {
                continue;
            }
            won = 1;
        } else if ((uint32_t)l == o->holder) {
            return say(error, name, DP_ERR_ARGUMENT, "the %s role is already held by this holder (%x): close that"
                       " end first", role, o->holder);
        } else if (!o->take_over) {
            return say(error, name, DP_ERR_HELD, "the %s role is held by holder %x (epoch %llu); attach with"
                       " takeover to wait for its lease to expire", role, (uint32_t)l, (unsigned long long)(l >> 32));
        } else if (l != watched || beat != watched_beat) {              /* Observe: it moved */
            return say(error, name, DP_ERR_HELD, "the %s role is held by holder %x (epoch %llu); its heartbeat"
                       " moved while we watched: it is alive", role, (uint32_t)l, (unsigned long long)(l >> 32));
        } else if (now_ns() - since >= o->lease_timeout_ns) {            /* Expired: take over */
            if (!cas_lease(lease->word, l, next_lease(l, o->holder))) {
                uint64_t now = read_lease(lease->word);
                return say(error, name, DP_ERR_HELD, "the %s role is held by holder %x (epoch %llu); another"
                           " claimant took it first", role, (uint32_t)now, (unsigned long long)(now >> 32));
            }
            won = 1;
        }
        if (won) {
            lease->value = next_lease(l, o->holder);
            lease->beats = beat;
            lease->period_ns = o->lease_timeout_ns / 4;
            lease->auto_beat = o->auto_beat;
            lease_beat(lease);                  /* observers start afresh */
            return DP_OK;
        }
        pause_ns(pause);
    }
}

/* Close: the lease word back to free, its epoch kept (fails harmlessly when it was lost). */
static void lease_close(dp_lease *lease) {
    if (lease->word != NULL) {
        cas_lease(lease->word, lease->value, lease->value & 0xFFFFFFFF00000000ULL);
    }
}

/* ---- Ends: what the producer and consumer share (Java RingEnd) ------------------------------ */

/* Poisons the end: this and every later call returns DP_ERR_CORRUPT with the first problem. */
static int poison(int *state, char *error, const char *name, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static int poison(int *state, char *error, const char *name, const char *format, ...) {
    if (*state != DP_ERR_CORRUPT) {
        char message[DP_ERROR_LENGTH];
        va_list args;
        va_start(args, format);
        vsnprintf(message, sizeof message, format, args);
        va_end(args);
        set_error(error, name, ": ring corrupted: ", message, NULL);
        *state = DP_ERR_CORRUPT;
    }
    return DP_ERR_CORRUPT;
}

/* LoseRole: the end learns another holder took its role over; a poisoned end keeps saying corrupt. */
static int lose(int *state, char *error, const char *name, const char *what) {
    if (*state == 0) {
        set_error(error, name, ": this end lost its role: ", what, "; another holder took it over while this process"
                  " stalled for longer than the lease timeout");
        *state = DP_ERR_LOST;
    }
    return *state;
}

/*
 * Whether the end may be used: not failed, not closed, its lease beaten when due and still held.
 * DP_ERR_LOST (state unchanged) when a beat found the lease taken over: the caller loses the role.
 */
static int check_usable(int state, int closed, dp_lease *lease, char *error, const char *name) {
    if (state != 0) {
        return state;
    }
    if (closed) {
        return say(error, name, DP_ERR_ARGUMENT, "this ring end is closed");
    }
    if (lease->word == NULL) {
        return say(error, name, DP_ERR_ARGUMENT, "this ring end was never attached");
    }
    if (lease->auto_beat && coarse_ns() >= lease->next_beat_ns) {
        lease_beat(lease);
    }
    return lease->lost ? DP_ERR_LOST : DP_OK;
}

#define LEASE_LOST "its lease was taken over (a beat saw it)"

/* Validates positions read at attach (Java RingEnd.checkPositions). */
static int positions_problem(uint64_t p, uint64_t c, uint32_t capacity, char *why, size_t room) {
    int64_t used = diff(p, c);
    if (((p | c) & 7) != 0) {
        snprintf(why, room, "positions are not 8-byte aligned (producer %llu, consumer %llu)", (unsigned long long)p,
                 (unsigned long long)c);
        return 1;
    }
    if (used > (int64_t)capacity - 8 || used < -(int64_t)capacity) {
        snprintf(why, room, "producer position %llu is not within the capacity %u of the consumer position %llu"
                 " (ahead of it: at most %u, the end marker's slot included)", (unsigned long long)p, capacity,
                 (unsigned long long)c, capacity - 8);
        return 1;
    }
    return 0;
}

static uint64_t skip_prefix(const dp_ring *ring, uint64_t position) {
    uint32_t index = (uint32_t)position & ring->mask;
    return index < ring->lap_prefix ? position + (ring->lap_prefix - index) : position;
}

static void end_name(char *name, size_t room, dp_region *r, uint32_t index, const char *role) {
    if (r != NULL && index < r->geometry.ring_count) {
        snprintf(name, room, "%s ring %lld (%s)", r->name, (long long)r->geometry.rings[index].id, role);
    } else {
        snprintf(name, room, "%s ring index %u (%s)", r == NULL ? "(no region)" : r->name, index, role);
    }
}

/* ---- 6. The wake-up protocol (Java Wakeup; spec/DataportWakeup.tla) ------------------------- */

/* The polling notifier's await: the caller already bounded the sleep by max_sleep_ns (await_bound). */
static int polling_await(void *context, uint64_t timeout_ns) {
    (void)context;
    pause_ns(timeout_ns);
    return 0;
}

dp_notifier dp_notifier_polling(uint64_t max_sleep_ns) {
    dp_notifier n;
    memset(&n, 0, sizeof n);
    n.await = polling_await;
    n.kick = NULL;
    n.max_sleep_ns = max_sleep_ns;
    n.context = NULL;
    return n;
}

static void wakeup_init(dp_wakeup *w) {
    memset(w, 0, sizeof *w);
    w->sleep_number = random32();       /* a restarted sleeper never repeats its predecessor's number */
}

/* After this end published its position: Fence, ReadNeedsWakeup, Kick a sleep not kicked yet. */
static void wakeup_after_publish(dp_wakeup *w, uint8_t *header, uint32_t peer_flag) {
    if (w->peer == NULL) {
        return;
    }
    full_fence();
    uint32_t sleep = read_needs_wakeup(header, peer_flag);
    if (sleep != 0 && sleep != w->kicked_sleep) {
        w->kicked_sleep = sleep;
        w->kicks_sent++;
        w->peer->kick(w->peer->context);
    } else {
        w->kicks_suppressed++;
    }
}

static void wake_peer_with(dp_wakeup *w, const dp_notifier *notifier) {
    w->peer = notifier != NULL && notifier->kick != NULL ? notifier : NULL;
}

/* The bound one await of `notifier` may sleep: the polling bound, and never past the deadline. */
static uint64_t await_bound(const dp_notifier *notifier, uint64_t deadline) {
    uint64_t now = now_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    if (notifier->kick == NULL && notifier->max_sleep_ns < left) {
        return notifier->max_sleep_ns;
    }
    return left;
}

/*
 * One idle step of a blocking call, the sleeper's half of the protocol: the first 16 steps of a
 * streak only yield; then SetNeedsWakeup (our next sleep number, never 0, in our flag), Fence,
 * Recheck (`has_work`: the peer's word), Sleep on the notifier only if there is still nothing to
 * do, and Clear. Either the recheck sees the peer's publication or the peer's read after its own
 * fence sees our flag and kicks (the Dekker pattern; a polling notifier's sleep ends by itself).
 */
static void idle_step(dp_wakeup *w, uint8_t *header, uint32_t own_flag, uint32_t streak, int (*has_work)(void *end),
                      void *end, const dp_notifier *notifier, uint64_t deadline) {
    if (streak < 16) {
        yield_cpu();
        return;
    }
    w->sleep_number = w->sleep_number == 0xFFFFFFFFu ? 1 : w->sleep_number + 1;      /* SetNeedsWakeup */
    write_needs_wakeup(header, own_flag, w->sleep_number);
    full_fence();                                                                     /* Fence */
    if (!has_work(end)) {                                                             /* Recheck */
        w->sleeps++;
        notifier->await(notifier->context, await_bound(notifier, deadline));         /* Sleep */
    }
    write_needs_wakeup(header, own_flag, 0);                                          /* Clear */
}

/* ---- 7. The producer (Java RingProducer, Frontier, Holes; spec/DataportRing.tla, RingFencing.tla) */
/*
 * How it works: the producer owns `tail`; the slot at its frontier always holds its end marker.
 * A claim needs the record's bytes (and a padding to the region end or over a hole first, and the
 * next lap's prefix), plus 8 bytes for the end marker after it, below the cached consumer position
 * + capacity (re-read only when that fails) and below the end of its reservation (extended by CAS,
 * with the recovery hint). ReadSlot reads the END there (the expected value of the header CAS),
 * CheckEpoch reads the position word's epoch; then the caller writes the payload, the END goes
 * after the record, and the header is stored by CAS from the END read: a holder that was taken
 * over fails there. The first header of a batch is held back until publish.
 * Why it is correct: spec/DataportRing.tla (NeverFooled, refinement to BoundedFifo) and
 * spec/RingFencing.tla check this order of steps; the Java RingProducer's comment says more.
 */

static uint32_t hole_unit_shift(uint32_t capacity) {
    uint32_t log2 = 0;
    while ((1u << log2) < capacity) {
        log2++;
    }
    return log2 > 27 ? log2 - 24 : 3;       /* max(3, log2(capacity) - 24) */
}

/* RecordHole (Java Holes.record): [index, index + length) as a hole of epoch16, in a free slot. */
static int record_hole(dp_ring *ring, uint16_t epoch16, uint32_t index, uint64_t length) {
    uint32_t shift = hole_unit_shift(ring->capacity);
    uint64_t start = index >> shift;
    uint64_t end = (index + length + (1ULL << shift) - 1) >> shift;
    uint64_t units = end - start;
    if ((units << shift) >= ring->capacity) {
        return 0;
    }
    uint64_t word = (uint64_t)epoch16 << 48 | start << 24 | units;
    for (uint32_t slot = 0; slot < HOLE_SLOTS; slot++) {
        if (read_word(ring->header, HOLE_TABLE_OFFSET + 8 * slot) == 0
            && cas_word(ring->header, HOLE_TABLE_OFFSET + 8 * slot, 0, word)) {
            return 1;
        }
    }
    return 0;
}

/* ReleaseHoles: frees every hole of epoch16 (its holder made its last store before). */
static void release_holes(dp_ring *ring, uint16_t epoch16) {
    for (uint32_t slot = 0; slot < HOLE_SLOTS; slot++) {
        uint64_t word = read_word(ring->header, HOLE_TABLE_OFFSET + 8 * slot);
        if (word != 0 && word_epoch(word) == epoch16) {
            cas_word(ring->header, HOLE_TABLE_OFFSET + 8 * slot, word, 0);
        }
    }
}

static void close_claim(dp_producer *p) {
    p->claim_index = -1;
}

static int producer_lose(dp_producer *p, const char *what) {
    if (p->state == 0) {
        close_claim(p);
        release_holes(&p->ring, p->epoch16);
    }
    return lose(&p->state, p->error, p->name, what);
}

/* A fenced word did not hold what we wrote: another holder fenced us, or a peer scribbled on it. */
static int lost_or_corrupt(dp_producer *p, const char *what) {
    if (word_epoch(read_word(p->ring.header, PRODUCER_POSITION_OFFSET)) != p->epoch16
        || word_epoch(read_word(p->ring.header, RESERVATION_OFFSET)) != p->epoch16) {
        return producer_lose(p, what);
    }
    close_claim(p);
    return poison(&p->state, p->error, p->name, "%s, yet the position and reservation words still hold our"
                  " epoch %u", what, p->epoch16);
}

static int producer_poison_claim(dp_producer *p) {
    close_claim(p);         /* a poisoned producer closes its claim (Java afterPoison) */
    return p->state;
}

/*
 * The largest run of data indices [a, b) inside [lap prefix, capacity) that no hole covers (a hole
 * covers start .. start + length - 1 modulo the capacity, so it may wrap into the next lap's
 * start): the largest record a claim can ever place (decision 1801). A record that ends exactly at
 * a hole's start or at the region end is placed; one larger than every gap never is, and a claim
 * of it would pad around the ring for ever.
 */
static uint32_t largest_gap(const dp_ring *ring, const uint32_t *starts, const uint32_t *lengths, uint32_t count) {
    uint32_t from[2 * HOLE_SLOTS], to[2 * HOLE_SLOTS], n = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t end = (uint64_t)starts[i] + lengths[i];
        uint32_t pieces[2][2] = {{starts[i], end < ring->capacity ? (uint32_t)end : ring->capacity},
                                 {0, end > ring->capacity ? (uint32_t)(end - ring->capacity) : 0}};
        for (int k = 0; k < 2; k++) {
            uint32_t a = pieces[k][0] > ring->lap_prefix ? pieces[k][0] : ring->lap_prefix;
            uint32_t b = pieces[k][1];
            if (a < b) {                        /* clipped to [prefix, capacity); insertion-sorted by start */
                uint32_t j = n++;
                for (; j > 0 && from[j - 1] > a; j--) {
                    from[j] = from[j - 1];
                    to[j] = to[j - 1];
                }
                from[j] = a;
                to[j] = b;
            }
        }
    }
    uint32_t cursor = ring->lap_prefix, largest = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (from[i] > cursor && from[i] - cursor > largest) {
            largest = from[i] - cursor;
        }
        if (to[i] > cursor) {
            cursor = to[i];
        }
    }
    return ring->capacity - cursor > largest ? ring->capacity - cursor : largest;
}

/* Re-reads the hole table (at attach and once per lap); a word that is not a hole of this ring poisons. */
static int load_holes(dp_producer *p) {
    uint32_t shift = hole_unit_shift(p->ring.capacity);
    p->hole_count = 0;
    for (uint32_t slot = 0; slot < HOLE_SLOTS; slot++) {
        uint64_t word = read_word(p->ring.header, HOLE_TABLE_OFFSET + 8 * slot);
        if (word == 0) {
            continue;
        }
        uint64_t start = (word >> 24 & 0xFFFFFF) << shift;
        uint64_t length = (word & 0xFFFFFF) << shift;
        if (start >= p->ring.capacity || length == 0 || length >= p->ring.capacity) {
            poison(&p->state, p->error, p->name, "hole table slot %u holds 0x%016llx: start %llu, length %llu do"
                   " not fit a data region of %u bytes", slot, (unsigned long long)word, (unsigned long long)start,
                   (unsigned long long)length, p->ring.capacity);
            return producer_poison_claim(p);
        }
        p->hole_start[p->hole_count] = (uint32_t)start;
        p->hole_length[p->hole_count] = (uint32_t)length;
        p->hole_count++;
    }
    p->holes_lap = p->tail / p->ring.capacity;
    p->largest_gap = largest_gap(&p->ring, p->hole_start, p->hole_length, p->hole_count);
    return DP_OK;
}

/* The padding due at index before a record of size (Java RingProducer.paddingAt, Holes.paddingAt). */
static uint32_t padding_at(const dp_producer *p, uint32_t index, uint32_t size, uint32_t to_end) {
    if (p->hole_count == 0) {
        return size > to_end ? to_end : 0;
    }
    for (uint32_t i = 0; i < p->hole_count; i++) {
        uint32_t into = (index - p->hole_start[i]) & p->ring.mask;
        if (into < p->hole_length[i]) {
            uint32_t rest = p->hole_length[i] - into;
            return rest < to_end ? rest : to_end;
        }
    }
    if (size > to_end) {
        return to_end;
    }
    uint32_t pad = 0;
    for (uint32_t i = 0; i < p->hole_count; i++) {
        uint32_t before = (p->hole_start[i] - index) & p->ring.mask;
        if (before < size && (pad == 0 || before < pad)) {
            pad = before;
        }
    }
    return pad;
}

/* The room the next step at `at` needs, its end marker's slot included (Java RingProducer.stepBytes). */
static uint64_t step_bytes(const dp_producer *p, uint64_t at, uint32_t skip, uint32_t pad, uint32_t size,
                           uint32_t to_end) {
    uint64_t step_end = at + skip
                        + (pad == 0 ? size : size > to_end ? (uint64_t)pad + p->ring.lap_prefix + size : pad);
    return skip_prefix(&p->ring, step_end) + RECORD_HEADER_LENGTH - at;
}

static uint64_t visible_end(const dp_producer *p) {
    return p->held_index >= 0 ? p->held_position : p->tail;
}

/* RefreshConsumerPosition: re-reads the consumer position and validates it. */
static int refresh_consumer_position(dp_producer *p) {
    uint64_t c = position_near(read_word(p->ring.header, CONSUMER_POSITION_OFFSET), p->cached_consumer);
    if ((c & 7) != 0 || diff(c, p->cached_consumer) < 0 || diff(skip_prefix(&p->ring, visible_end(p)), c) < 0) {
        poison(&p->state, p->error, p->name, "consumer position %llu is misaligned, moved back from %llu or passed"
               " what we made visible, %llu", (unsigned long long)c, (unsigned long long)p->cached_consumer,
               (unsigned long long)visible_end(p));
        return producer_poison_claim(p);
    }
    p->cached_consumer = c;
    return DP_OK;
}

/* Whether `needed` bytes from the tail fit (1), not (0), or the consumer position is corrupt (< 0). */
static int has_room(dp_producer *p, uint64_t needed) {
    if (diff(p->tail + needed, p->cached_consumer) <= (int64_t)p->ring.capacity) {
        return 1;
    }
    int status = refresh_consumer_position(p);
    if (status < 0) {
        return status;
    }
    return diff(p->tail + needed, p->cached_consumer) <= (int64_t)p->ring.capacity;
}

/* PublishProducerPosition: the hint moves to the frontier the consumer can see (CAS, fenced). */
static int publish_hint(dp_producer *p) {
    uint64_t frontier = visible_end(p);
    if (frontier != p->hint) {
        if (!cas_word(p->ring.header, PRODUCER_POSITION_OFFSET, pack_position(p->epoch16, p->hint),
                      pack_position(p->epoch16, frontier))) {
            return lost_or_corrupt(p, "the producer position word changed under us");
        }
        p->hint = frontier;
    }
    return DP_OK;
}

/* Reserve: extends the reservation to cover need_end (at least a chunk), then moves the hint. */
static int reserve(dp_producer *p, uint64_t need_end) {
    uint64_t ahead = diff(p->tail + p->chunk, p->cached_consumer + p->ring.capacity) < 0
                     ? p->tail + p->chunk : p->cached_consumer + p->ring.capacity;
    uint64_t end = diff(need_end, ahead) > 0 ? need_end : ahead;
    if (!cas_word(p->ring.header, RESERVATION_OFFSET, pack_position(p->epoch16, p->reserved_end),
                  pack_position(p->epoch16, end))) {
        return lost_or_corrupt(p, "the reservation word changed under us");
    }
    p->reserved_end = end;
    return publish_hint(p);
}

/* CheckEpoch, after ReadSlot: the producer position word must still hold our epoch. */
static int check_epoch(dp_producer *p) {
    if (word_epoch(read_word(p->ring.header, PRODUCER_POSITION_OFFSET)) != p->epoch16) {
        return producer_lose(p, "the producer position word has another holder's epoch");
    }
    return DP_OK;
}

/* The bytes a committed record or padding with this header occupies at index, or -1 (Java Frontier.committedSize). */
static int64_t committed_size(uint64_t header, uint32_t index, uint32_t capacity, uint32_t max) {
    int32_t length = header_length(header);
    int32_t type = header_type(header);
    int64_t limit = type == PADDING_TYPE ? (int64_t)capacity - index - RECORD_HEADER_LENGTH
                    : type >= 0 ? (int64_t)max : -1;
    if (length < 0 || length > limit) {
        return -1;
    }
    uint64_t size = record_size((uint64_t)length);
    return size <= capacity - index ? (int64_t)size : -1;
}

/*
 * ScanForEnd (Java Frontier.find): from a record boundary, over committed headers, each validated
 * as the consumer validates it, to the end marker; never past consumer + capacity, so at most
 * capacity / 8 loads. Returns 0 and the frontier, or -1 and the position of the bad header.
 */
static int find_frontier(const dp_ring *ring, uint64_t from, uint64_t consumer, uint64_t *out) {
    uint64_t position = from;
    for (;;) {
        uint32_t index = (uint32_t)position & ring->mask;
        if (index < ring->lap_prefix) {
            position += ring->lap_prefix - index;                 /* Skip: the lap prefix, no load */
            index = ring->lap_prefix;
        }
        uint64_t header = read_header_word(ring, index);
        if (is_end_marker(header)) {
            *out = position;
            return 0;
        }
        int64_t size = committed_size(header, index, ring->capacity, ring->max_record_length);
        if (size < 0 || diff(position + (uint64_t)size + RECORD_HEADER_LENGTH, consumer) > (int64_t)ring->capacity) {
            *out = position;
            return -1;
        }
        position += (uint64_t)size;
    }
}

/* The step over a record the previous holder committed late at our frontier; anything else: lost or corrupt. */
static int late_commit(dp_producer *p, uint64_t header, uint32_t index, uint64_t *step) {
    int64_t size = committed_size(header, index, p->ring.capacity, p->ring.max_record_length);
    if (diff(p->tail, p->late_commits_before) >= 0 || size < 0) {
        char what[160];
        snprintf(what, sizeof what, "the header word at index %u (0x%llx) is not the end marker our frontier must"
                 " hold", index, (unsigned long long)header);
        return lost_or_corrupt(p, what);
    }
    *step = (uint64_t)size;
    return DP_OK;
}

/* WriteEndMarker: ours at index; at a lap's first slot by CAS from the word read there before CheckEpoch. */
static int write_end_marker(dp_producer *p, uint32_t index, uint64_t expected) {
    if (index != p->ring.lap_prefix) {
        write_end_marker_word(&p->ring, index, p->our_end_marker);
    } else if (!cas_header_word(&p->ring, index, expected, p->our_end_marker)
               && !is_end_marker(read_header_word(&p->ring, index))) {
        return lost_or_corrupt(p, "the word at the lap's first slot changed under our end marker");
    }
    return DP_OK;
}

/* FenceReservation, ReadPosition, RecordHole, FencePosition, ScanForEnd (Java RingProducer.takeOver). */
static int producer_take_over(dp_producer *p) {
    char why[DP_ERROR_LENGTH];
    uint64_t reservation;
    do {                                                               /* FenceReservation */
        reservation = read_word(p->ring.header, RESERVATION_OFFSET);
        if (is_newer_epoch(word_epoch(reservation), p->epoch16)) {
            return producer_lose(p, "the reservation word has a newer epoch at attach");
        }
    } while (!cas_word(p->ring.header, RESERVATION_OFFSET, reservation, pack_position(p->epoch16, reservation)));
    uint64_t word = read_word(p->ring.header, PRODUCER_POSITION_OFFSET);   /* ReadPosition */
    uint64_t position = word & POSITION_MASK;
    uint64_t reserved_to = position_near(reservation, position);
    if (diff(reserved_to, position) > 0) {                             /* RecordHole */
        if (diff(reserved_to, position) > (int64_t)p->ring.capacity) {
            return poison(&p->state, p->error, p->name, "the reservation end %llu is more than the capacity %u past"
                          " the producer position %llu", (unsigned long long)reserved_to, p->ring.capacity,
                          (unsigned long long)position);
        }
        if (!record_hole(&p->ring, word_epoch(word), (uint32_t)position & p->ring.mask, reserved_to - position)) {
            p->state = DP_ERR_REFUSED;
            return say(p->error, p->name, DP_ERR_REFUSED, "cannot take the producer role over: the hole table is"
                       " full or the previous holder's unpublished range (%llu bytes) covers the ring; stop every"
                       " peer of this ring and reset its region", (unsigned long long)(reserved_to - position));
        }
    }
    for (;;) {                                                         /* FencePosition */
        if (is_newer_epoch(word_epoch(word), p->epoch16)) {
            return producer_lose(p, "the producer position word has a newer epoch at attach");
        }
        if (cas_word(p->ring.header, PRODUCER_POSITION_OFFSET, word, pack_position(p->epoch16, word))) {
            break;
        }
        word = read_word(p->ring.header, PRODUCER_POSITION_OFFSET);
    }
    uint64_t producer_position = position_near(word, position);
    uint64_t consumer_position = position_near(read_word(p->ring.header, CONSUMER_POSITION_OFFSET), producer_position);
    if (positions_problem(producer_position, consumer_position, p->ring.capacity, why, sizeof why)) {
        return poison(&p->state, p->error, p->name, "%s", why);
    }
    p->hint = producer_position;
    p->reserved_end = position_near(reservation, producer_position);
    p->cached_consumer = consumer_position;
    uint64_t from = diff(producer_position, consumer_position) >= 0 ? producer_position : consumer_position;
    uint64_t end;
    if (find_frontier(&p->ring, from, p->cached_consumer, &end) != 0) {             /* ScanForEnd */
        if (word_epoch(read_word(p->ring.header, PRODUCER_POSITION_OFFSET)) != p->epoch16) {
            return producer_lose(p, "the producer position word has another holder's epoch after the recovery scan");
        }
        return poison(&p->state, p->error, p->name, "the recovery scan from position %llu found a header that is"
                      " neither a record, a padding nor the end marker at position %llu, or the records pass the"
                      " consumer position %llu + the capacity %u", (unsigned long long)from, (unsigned long long)end,
                      (unsigned long long)p->cached_consumer, p->ring.capacity);
    }
    p->tail = end;
    p->late_commits_before = p->reserved_end;
    return load_holes(p);
}

int dp_producer_attach(dp_producer *p, dp_region *r, uint32_t index) {
    memset(p, 0, sizeof *p);
    p->claim_index = -1;
    p->held_index = -1;
    end_name(p->name, sizeof p->name, r, index, "producer");
    int status = open_ring(r, index, &p->ring, p->error, p->name);
    if (status == DP_OK) {
        status = lease_claim(&p->lease, &p->ring, 1, &r->options, p->error, p->name);
    }
    if (status != DP_OK) {
        p->state = status;
        p->closed = 1;
        return status;
    }
    p->epoch16 = (uint16_t)(p->lease.value >> 32);
    p->our_end_marker = end_marker(p->epoch16);
    uint32_t chunk = p->ring.capacity / 16 < 65536 ? p->ring.capacity / 16 : 65536;
    p->chunk = chunk < 8 ? 8 : chunk;
    wakeup_init(&p->wakeup);
    status = producer_take_over(p);
    if (status != DP_OK) {
        lease_close(&p->lease);
        p->closed = 1;
    }
    return status;
}

/* The bytes the next step of a claim of `size` needs at the tail (Java RingProducer.needed). */
static uint64_t needed_for(const dp_producer *p, uint32_t size) {
    uint64_t skipped = skip_prefix(&p->ring, p->tail);
    uint32_t skip = (uint32_t)(skipped - p->tail);
    uint32_t index = ((uint32_t)p->tail & p->ring.mask) + skip;
    uint32_t to_end = p->ring.capacity - index;
    return step_bytes(p, p->tail, skip, padding_at(p, index, size, to_end), size, to_end);
}

/* TryClaim (Java RingProducer.claimRoom): paddings as due, then the record's claim, or DP_FULL. */
static int claim_room(dp_producer *p, uint32_t length, int32_t type, uint8_t **payload) {
    uint32_t size = (uint32_t)record_size(length);
    for (uint32_t paddings = 0;; paddings++) {
        uint32_t skip = (uint32_t)(skip_prefix(&p->ring, p->tail) - p->tail);   /* Skip: no store */
        uint32_t index = ((uint32_t)p->tail & p->ring.mask) + skip;
        uint32_t to_end = p->ring.capacity - index;
        if (p->hole_count != 0) {
            if (p->tail / p->ring.capacity != p->holes_lap) {
                int status = load_holes(p);         /* once per lap: holes freed since are dropped */
                if (status < 0) {
                    return status;
                }
            }
            if (paddings > 2 * HOLE_SLOTS + 2) {
                poison(&p->state, p->error, p->name, "the hole table leaves no room for a record of %u bytes", size);
                return producer_poison_claim(p);
            }
        }
        if (p->hole_count != 0 && size > p->largest_gap) {
            return say(p->error, p->name, DP_ERR_REFUSED, "a record of %u bytes fits in no gap between the %u holes"
                       " takeovers left (largest gap %u bytes): send records of at most %u payload bytes, or reset"
                       " the region when no peer runs (dataport region zero)", size, p->hole_count, p->largest_gap,
                       p->largest_gap >= 8 ? p->largest_gap - 8 : 0);
        }
        uint32_t pad = padding_at(p, index, size, to_end);
        uint64_t needed = step_bytes(p, p->tail, skip, pad, size, to_end);
        int room = has_room(p, needed);
        if (room <= 0) {
            return room < 0 ? room : DP_FULL;
        }
        int status;
        if (diff(p->tail + needed, p->hint) > (int64_t)p->ring.capacity
            && (status = publish_hint(p)) < 0) {                 /* never a lap behind what we write */
            return status;
        }
        p->tail += skip;
        if (diff(p->tail - skip + needed, p->reserved_end) > 0 && (status = reserve(p, p->tail - skip + needed)) < 0) {
            return status;
        }
        uint32_t end_index = (uint32_t)skip_prefix(&p->ring, p->tail + (pad == 0 ? size : pad)) & p->ring.mask;
        uint64_t seen = read_header_word(&p->ring, index);                             /* ReadSlot */
        uint64_t end_seen = end_index == p->ring.lap_prefix ? read_header_word(&p->ring, end_index) : 0;
        if ((status = check_epoch(p)) < 0) {                                             /* CheckEpoch */
            return status;
        }
        if (!is_end_marker(seen)) {
            uint64_t step;
            if ((status = late_commit(p, seen, index, &step)) < 0) {
                return status;
            }
            p->tail += step;                  /* the previous holder's record: pad after it */
            continue;
        }
        if (pad == 0) {
            p->claim_index = index;
            p->claim_length = length;
            p->claim_type = type;
            p->claim_seen = seen;
            p->claim_end_index = end_index;
            p->claim_end_seen = end_seen;
            *payload = p->ring.data + index + RECORD_HEADER_LENGTH;
            return DP_OK;
        }
        if ((status = write_end_marker(p, end_index, end_seen)) < 0) {
            return status;
        }
        if (!cas_header_word(&p->ring, index, seen, pack_header(pad - RECORD_HEADER_LENGTH, PADDING_TYPE))) {
            uint64_t step;                                                               /* WritePadding lost */
            if ((status = late_commit(p, read_header_word(&p->ring, index), index, &step)) < 0) {
                return status;
            }
            p->tail += step;
            continue;
        }
        p->tail += pad;
    }
}

int dp_producer_claim(dp_producer *p, uint32_t length, int32_t type, uint8_t **payload) {
    int status = check_usable(p->state, p->closed, &p->lease, p->error, p->name);
    if (status != DP_OK) {
        return status == DP_ERR_LOST && p->state == 0 ? producer_lose(p, LEASE_LOST) : status;
    }
    if (payload == NULL) {
        return say(p->error, p->name, DP_ERR_ARGUMENT, "no place for the payload pointer");
    }
    if (p->claim_index >= 0) {
        return say(p->error, p->name, DP_ERR_ARGUMENT, "a claim is already open: commit or abort it first");
    }
    if (length > p->ring.max_record_length) {
        return say(p->error, p->name, DP_ERR_ARGUMENT, "record length %u is outside [0, %u]", length,
                   p->ring.max_record_length);
    }
    if (type < 0) {
        return say(p->error, p->name, DP_ERR_ARGUMENT, "record type %d is negative (reserved)", type);
    }
    return claim_room(p, length, type, payload);
}

static int check_claim(dp_producer *p) {
    int status = check_usable(p->state, p->closed, &p->lease, p->error, p->name);
    if (status != DP_OK) {
        return status == DP_ERR_LOST && p->state == 0 ? producer_lose(p, LEASE_LOST) : status;
    }
    if (p->claim_index < 0) {
        return say(p->error, p->name, DP_ERR_ARGUMENT, "no open claim: call dp_producer_claim first");
    }
    return DP_OK;
}

/* WriteEndMarker, WriteRecordHeader: the END after the record, then its header (held back for a batch's first). */
int dp_producer_commit_batched(dp_producer *p) {
    int status = check_claim(p);
    if (status != DP_OK) {
        return status;
    }
    uint32_t index = (uint32_t)p->claim_index;
    if ((status = write_end_marker(p, p->claim_end_index, p->claim_end_seen)) < 0) {
        return status;
    }
    if (p->held_index < 0) {
        p->held_index = index;                  /* the batch's first header waits for publish */
        p->held_position = p->tail;
        p->held_header = pack_header(p->claim_length, p->claim_type);
        p->held_seen = p->claim_seen;
    } else if (!cas_header_word(&p->ring, index, p->claim_seen, pack_header(p->claim_length, p->claim_type))) {
        char what[96];
        snprintf(what, sizeof what, "the header word at index %u changed under our claim", index);
        return lost_or_corrupt(p, what);
    }
    p->tail += record_size(p->claim_length);
    p->records++;
    p->bytes += p->claim_length;
    close_claim(p);
    return DP_OK;
}

/* Publish: the held header's CAS makes every committed record visible at once. */
int dp_producer_publish(dp_producer *p) {
    int status = check_usable(p->state, p->closed, &p->lease, p->error, p->name);
    if (status != DP_OK) {
        return status == DP_ERR_LOST && p->state == 0 ? producer_lose(p, LEASE_LOST) : status;
    }
    if (p->held_index >= 0) {
        if (!cas_header_word(&p->ring, (uint32_t)p->held_index, p->held_seen, p->held_header)) {
            char what[96];
            snprintf(what, sizeof what, "the header word at index %lld changed under our held header",
                     (long long)p->held_index);
            return lost_or_corrupt(p, what);
        }
        p->held_index = -1;
        wakeup_after_publish(&p->wakeup, p->ring.header, CONSUMER_NEEDS_WAKEUP_OFFSET);
    }
    return DP_OK;
}

int dp_producer_commit(dp_producer *p) {
    int status = dp_producer_commit_batched(p);
    return status == DP_OK ? dp_producer_publish(p) : status;
}

int dp_producer_abort(dp_producer *p) {
    int status = check_claim(p);
    if (status == DP_OK) {
        close_claim(p);
    }
    return status;
}

int dp_producer_offer(dp_producer *p, const void *source, uint32_t length, int32_t type) {
    uint8_t *payload;
    if (source == NULL && length > 0) {
        return say(p->error, p->name, DP_ERR_ARGUMENT, "no source for %u bytes", length);
    }
    int status = dp_producer_claim(p, length, type, &payload);
    if (status != DP_OK) {
        return status;
    }
    if (length > 0) {
        memcpy(payload, source, length);
    }
    return dp_producer_commit(p);
}

/* Recheck for a blocked claim: is there room now for the record it waits to fit? */
static int producer_has_work(void *end) {
    dp_producer *p = end;
    if (refresh_consumer_position(p) < 0) {
        return 1;                               /* the next claim reports the corruption */
    }
    return diff(p->tail + needed_for(p, p->waiting_for), p->cached_consumer) <= (int64_t)p->ring.capacity;
}

int dp_producer_claim_wait(dp_producer *p, uint32_t length, int32_t type, uint8_t **payload,
                           const dp_notifier *notifier, uint64_t timeout_ns) {
    if (notifier == NULL || notifier->await == NULL) {
        return say(p->error, p->name, DP_ERR_ARGUMENT, "no notifier to sleep on (dp_notifier_polling gives one)");
    }
    uint64_t deadline = deadline_after(timeout_ns);
    for (uint32_t idle = 0;; idle++) {
        int status = dp_producer_claim(p, length, type, payload);
        if (status != DP_FULL) {
            return status;
        }
        if ((status = dp_producer_publish(p)) < 0) {    /* the room may be held by our own batch */
            return status;
        }
        if (now_ns() >= deadline) {
            return say(p->error, p->name, DP_ERR_TIMEOUT, "no room for a record of %u bytes within %llu ms", length,
                       (unsigned long long)(timeout_ns / 1000000));
        }
        p->waiting_for = (uint32_t)record_size(length);
        idle_step(&p->wakeup, p->ring.header, PRODUCER_NEEDS_WAKEUP_OFFSET, idle, producer_has_work, p, notifier,
                  deadline);
    }
}

void dp_producer_wake_peer_with(dp_producer *p, const dp_notifier *notifier) {
    wake_peer_with(&p->wakeup, notifier);
}

int dp_producer_beat(dp_producer *p) {
    if (p->state != 0 || p->closed || p->lease.word == NULL) {
        return p->state != 0 ? p->state
               : say(p->error, p->name, DP_ERR_ARGUMENT, "this ring end is closed or was never attached");
    }
    return lease_beat(&p->lease) ? DP_OK : producer_lose(p, LEASE_LOST);
}

uint64_t dp_producer_position(const dp_producer *p) {
    return p->tail;
}

uint32_t dp_producer_max_record_length(const dp_producer *p) {
    return p->ring.max_record_length;
}

uint64_t dp_producer_lease_epoch(const dp_producer *p) {
    return p->lease.value >> 32;
}

uint64_t dp_producer_records(const dp_producer *p) {
    return p->records;
}

uint64_t dp_producer_sleeps(const dp_producer *p) {
    return p->wakeup.sleeps;
}

/* Close: the hint moves to the frontier, the reservation shrinks back to it, then the lease is freed. */
int dp_producer_close(dp_producer *p) {
    if (p->closed || p->lease.word == NULL) {
        p->closed = 1;
        return DP_OK;
    }
    if (p->state == 0 && !p->lease.lost && publish_hint(p) == DP_OK) {
        cas_word(p->ring.header, RESERVATION_OFFSET, pack_position(p->epoch16, p->reserved_end),
                 pack_position(p->epoch16, visible_end(p)));
    }
    p->closed = 1;
    close_claim(p);
    lease_close(&p->lease);
    return DP_OK;
}

/* ---- 8. The consumer (Java RingConsumer) ---------------------------------------------------- */
/*
 * How it works: the consumer owns `head`. poll reads the header at head with one acquire load:
 * END means nothing yet; a padding is stepped over; a record is validated (length, type, inside
 * the region, within one lap of the published position) and handed to the handler in place. Once
 * per batch the position word moves by CAS from the value we published last (fails: we lost the
 * role, or a peer scribbled). The consumer never reads the producer position.
 * Why it is correct: a header stored after its payload and after the END that follows it means the
 * record is complete and the next slot holds END or a header written for it in this lap
 * (spec/DataportRing.tla, NeverFooled); each step moves head by at least 8 bytes and a batch never
 * passes the published position + capacity, so poll always returns.
 */

int dp_consumer_attach(dp_consumer *c, dp_region *r, uint32_t index) {
    memset(c, 0, sizeof *c);
    end_name(c->name, sizeof c->name, r, index, "consumer");
    int status = open_ring(r, index, &c->ring, c->error, c->name);
    if (status == DP_OK) {
        status = lease_claim(&c->lease, &c->ring, 0, &r->options, c->error, c->name);
    }
    if (status != DP_OK) {
        c->state = status;
        c->closed = 1;
        return status;
    }
    c->epoch16 = (uint16_t)(c->lease.value >> 32);
    wakeup_init(&c->wakeup);
    uint64_t word;
    do {                                                      /* fence the position word with our epoch */
        word = read_word(c->ring.header, CONSUMER_POSITION_OFFSET);
        if (is_newer_epoch(word_epoch(word), c->epoch16)) {
            status = lose(&c->state, c->error, c->name, "the consumer position word has a newer epoch at attach");
            lease_close(&c->lease);
            c->closed = 1;
            return status;
        }
    } while (!cas_word(c->ring.header, CONSUMER_POSITION_OFFSET, word, pack_position(c->epoch16, word)));
    c->head = word & POSITION_MASK;
    if ((c->head & 7) != 0) {
        status = poison(&c->state, c->error, c->name, "the consumer position %llu is not 8-byte aligned",
                        (unsigned long long)c->head);
        lease_close(&c->lease);
        c->closed = 1;
        return status;
    }
    return DP_OK;
}

/* Whether size bytes at position, and the end marker after them, pass our published position + capacity. */
static int past_lap(const dp_consumer *c, uint64_t position, uint64_t size) {
    return diff(position + size + RECORD_HEADER_LENGTH, c->head) > (int64_t)c->ring.capacity;
}

int dp_consumer_poll(dp_consumer *c, dp_handler handler, void *context, int limit) {
    int status = check_usable(c->state, c->closed, &c->lease, c->error, c->name);
    if (status != DP_OK) {
        return status == DP_ERR_LOST && c->state == 0 ? lose(&c->state, c->error, c->name, LEASE_LOST) : status;
    }
    if (limit <= 0 || handler == NULL) {
        return say(c->error, c->name, DP_ERR_ARGUMENT, limit <= 0 ? "limit must be positive" : "no handler");
    }
    uint64_t position = c->head;
    int count = 0;
    status = DP_OK;
    while (count < limit) {
        position = skip_prefix(&c->ring, position);             /* Skip: the lap prefix, no load */
        uint32_t index = (uint32_t)position & c->ring.mask;
        uint64_t header = read_header_word(&c->ring, index);    /* ReadRecordHeader: one acquire load */
        if (is_end_marker(header)) {
            break;
        }
        int32_t length = header_length(header);
        int32_t type = header_type(header);
        uint32_t to_end = c->ring.capacity - index;
        if (type == PADDING_TYPE) {
            if (length < 0 || (uint32_t)length > to_end - RECORD_HEADER_LENGTH
                || past_lap(c, position, record_size((uint64_t)length))) {
                status = poison(&c->state, c->error, c->name, "padding at position %llu has length %d but the region"
                                " end is %u bytes after its header, or it passes the consumer position %llu + the"
                                " capacity %u", (unsigned long long)position, length, to_end - RECORD_HEADER_LENGTH,
                                (unsigned long long)c->head, c->ring.capacity);
                break;
            }
            position += record_size((uint64_t)length);
            continue;
        }
        if (type < 0 || length < 0 || (uint32_t)length > c->ring.max_record_length) {
            status = poison(&c->state, c->error, c->name, "record at position %llu has length %d and type %d (length"
                            " must be in [0, %u], type >= 0, padding or the end marker)", (unsigned long long)position,
                            length, type, c->ring.max_record_length);
            break;
        }
        uint64_t size = record_size((uint64_t)length);
        if (size > to_end || past_lap(c, position, size)) {
            status = poison(&c->state, c->error, c->name, "record at position %llu of %llu bytes crosses the region"
                            " end or passes the consumer position %llu + the capacity %u", (unsigned long long)position,
                            (unsigned long long)size, (unsigned long long)c->head, c->ring.capacity);
            break;
        }
        position += size;
        count++;
        c->records++;
        c->bytes += (uint32_t)length;
        dp_record record = {c->ring.data + index + RECORD_HEADER_LENGTH, (uint32_t)length, type};  /* ReadPayload */
        if (handler(context, &record) != 0) {
            break;
        }
    }
    if (position != c->head) {                                   /* PublishConsumerPosition */
        uint64_t from = c->head;
        c->head = position;
        if (!cas_word(c->ring.header, CONSUMER_POSITION_OFFSET, pack_position(c->epoch16, from),
                      pack_position(c->epoch16, position))) {
            if (word_epoch(read_word(c->ring.header, CONSUMER_POSITION_OFFSET)) != c->epoch16) {
                return lose(&c->state, c->error, c->name, "the consumer position word has another holder's epoch");
            }
            return poison(&c->state, c->error, c->name, "the consumer position word changed under us, yet it still"
                          " holds our epoch %u", c->epoch16);
        }
        wakeup_after_publish(&c->wakeup, c->ring.header, PRODUCER_NEEDS_WAKEUP_OFFSET);
    }
    return status < 0 ? status : count;
}

/* Recheck: one acquire load of the next header. */
static int consumer_has_work(void *end) {
    const dp_consumer *c = end;
    return !is_end_marker(read_header_word(&c->ring, (uint32_t)skip_prefix(&c->ring, c->head) & c->ring.mask));
}

int dp_consumer_take(dp_consumer *c, dp_handler handler, void *context, int limit, const dp_notifier *notifier,
                     uint64_t timeout_ns) {
    if (notifier == NULL || notifier->await == NULL) {
        return say(c->error, c->name, DP_ERR_ARGUMENT, "no notifier to sleep on (dp_notifier_polling gives one)");
    }
    uint64_t deadline = deadline_after(timeout_ns);
    for (uint32_t idle = 0;; idle++) {
        int count = dp_consumer_poll(c, handler, context, limit);
        if (count != 0) {
            return count;
        }
        if (now_ns() >= deadline) {
            return say(c->error, c->name, DP_ERR_TIMEOUT, "no record arrived within %llu ms",
                       (unsigned long long)(timeout_ns / 1000000));
        }
        idle_step(&c->wakeup, c->ring.header, CONSUMER_NEEDS_WAKEUP_OFFSET, idle, consumer_has_work, c, notifier,
                  deadline);
    }
}

void dp_consumer_wake_peer_with(dp_consumer *c, const dp_notifier *notifier) {
    wake_peer_with(&c->wakeup, notifier);
}

int dp_consumer_beat(dp_consumer *c) {
    if (c->state != 0 || c->closed || c->lease.word == NULL) {
        return c->state != 0 ? c->state
               : say(c->error, c->name, DP_ERR_ARGUMENT, "this ring end is closed or was never attached");
    }
    return lease_beat(&c->lease) ? DP_OK : lose(&c->state, c->error, c->name, LEASE_LOST);
}

uint64_t dp_consumer_position(const dp_consumer *c) {
    return c->head;
}

uint64_t dp_consumer_lease_epoch(const dp_consumer *c) {
    return c->lease.value >> 32;
}

uint64_t dp_consumer_records(const dp_consumer *c) {
    return c->records;
}

uint64_t dp_consumer_sleeps(const dp_consumer *c) {
    return c->wakeup.sleeps;
}

int dp_consumer_close(dp_consumer *c) {
    if (!c->closed) {
        c->closed = 1;
        lease_close(&c->lease);
    }
    return DP_OK;
}
