/*
 * dataport-peer: the C end of the interop tests (docs/c-interop.md is its contract). It produces
 * or consumes the shared record stream on one ring of a region file, writes and reads the golden
 * image, and prints one line per event on stdout. Exit codes: 0 done, 1 a record did not match,
 * 2 bad usage, 3 a simulated crash, 4 the library refused (after a "refused: STATUS: message" line).
 */
#define _GNU_SOURCE
#include "dataport.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define USAGE "usage: dataport-peer produce|consume|poll-all|golden-write|golden-read [--region PATH] [--out PATH]" \
              " [--ring I] [--seed S] [--start K] [--count N] [--batch B] [--limit L] [--crash-after K]"          \
              " [--holder HEX] [--lease-ms N] [--max-sleep-us U] [--timeout-ms T] [--tag N] [--max-length M]"

/* ---- the record stream (docs/c-interop.md) ---- */

static uint64_t mix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static uint64_t stream_r(uint64_t seed, uint64_t k) {
    return mix(seed ^ (k * 0xD1B54A32D192ED03ULL));
}

static uint32_t stream_length(uint64_t seed, uint64_t k, uint32_t max) {
    uint64_t r = stream_r(seed, k);
    uint64_t c = r % 100;
    uint64_t length = c < 5 ? 0 : c < 10 ? max : c < 70 ? (r >> 8) % 256 : c < 95 ? (r >> 8) % 4096
                                                                                   : (r >> 8) % ((uint64_t)max + 1);
    return length < max ? (uint32_t)length : max;
}

static int32_t stream_type(uint64_t seed, uint64_t k) {
    return (int32_t)((stream_r(seed, k) >> 40) % 1000);
}

static uint8_t stream_byte(uint64_t r, uint64_t k, uint32_t length, uint32_t j) {
    if (length >= 8 && j < 8) {
        return (uint8_t)(k >> (8 * j));
    }
    return (uint8_t)(mix(r ^ (j >> 3)) >> (8 * (j & 7)));
}

static void stream_fill(uint64_t seed, uint64_t k, uint8_t *payload, uint32_t length) {
    uint64_t r = stream_r(seed, k);
    for (uint32_t j = 0; j < length; j++) {
        payload[j] = stream_byte(r, k, length, j);
    }
}

/* Whether `record` is record k of the stream (its length as the stream says unless any_length): 0, else why. */
static int stream_check(uint64_t seed, uint64_t k, uint32_t max, int any_length, const dp_record *record, char *why,
                        size_t room) {
    uint32_t length = stream_length(seed, k, max);
    if (!any_length && record->length != length) {
        snprintf(why, room, "length %u, expected %u", record->length, length);
        return 1;
    }
    if (record->type != stream_type(seed, k)) {
        snprintf(why, room, "type %d, expected %d", record->type, stream_type(seed, k));
        return 1;
    }
    uint64_t r = stream_r(seed, k);
    for (uint32_t j = 0; j < record->length; j++) {
        uint8_t expected = stream_byte(r, k, record->length, j);
        if (record->payload[j] != expected) {
            snprintf(why, room, "payload byte %u of %u is 0x%02x, expected 0x%02x", j, record->length,
                     record->payload[j], expected);
            return 1;
        }
    }
    return 0;
}

/* ---- options ---- */

typedef struct args {
    const char *command;
    const char *region;
    const char *out;
    uint32_t ring;
    uint64_t seed;
    uint64_t start;
    uint64_t count;
    uint64_t batch;
    int limit;
    uint64_t crash_after;
    uint32_t holder;
    uint64_t lease_ms;
    uint64_t max_sleep_us;
    uint64_t timeout_ms;
    uint64_t tag;
    uint32_t max_length;            /* 0: the ring's max record length */
} args;

static void usage(const char *problem) {
    fprintf(stderr, "dataport-peer: %s\n%s\n", problem, USAGE);
    exit(2);
}

static uint64_t number(const char *name, const char *text, int base) {
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, base);
    if (errno != 0 || *text == 0 || *end != 0 || *text == '-') {
        char problem[160];
        snprintf(problem, sizeof problem, "%s: '%s' is not a number", name, text);
        usage(problem);
    }
    return value;
}

static args parse(int argc, char **argv) {
    args a = {0};
    a.batch = 1;
    a.limit = 16;
    a.lease_ms = 10000;
    a.max_sleep_us = 1000;
    a.timeout_ms = 60000;
    a.tag = 7;
    if (argc < 2) {
        usage("no command");
    }
    a.command = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        if (i + 1 >= argc) {
            char problem[160];
            snprintf(problem, sizeof problem, "%s needs a value", o);
            usage(problem);
        }
        const char *v = argv[++i];
        if (!strcmp(o, "--region")) a.region = v;
        else if (!strcmp(o, "--out")) a.out = v;
        else if (!strcmp(o, "--ring")) a.ring = (uint32_t)number(o, v, 10);
        else if (!strcmp(o, "--seed")) a.seed = number(o, v, 0);
        else if (!strcmp(o, "--start")) a.start = number(o, v, 10);
        else if (!strcmp(o, "--count")) a.count = number(o, v, 10);
        else if (!strcmp(o, "--batch")) a.batch = number(o, v, 10);
        else if (!strcmp(o, "--limit")) a.limit = (int)number(o, v, 10);
        else if (!strcmp(o, "--crash-after")) a.crash_after = number(o, v, 10);
        else if (!strcmp(o, "--holder")) a.holder = (uint32_t)number(o, v, 16);
        else if (!strcmp(o, "--lease-ms")) a.lease_ms = number(o, v, 10);
        else if (!strcmp(o, "--max-sleep-us")) a.max_sleep_us = number(o, v, 10);
        else if (!strcmp(o, "--timeout-ms")) a.timeout_ms = number(o, v, 10);
        else if (!strcmp(o, "--tag")) a.tag = number(o, v, 0);
        else if (!strcmp(o, "--max-length")) a.max_length = (uint32_t)number(o, v, 10);
        else {
            char problem[160];
            snprintf(problem, sizeof problem, "unknown option %s", o);
            usage(problem);
        }
    }
    if (a.batch == 0 || a.limit <= 0 || a.lease_ms == 0) {
        usage("--batch, --limit and --lease-ms must be positive");
    }
    return a;
}

static void refused(int status, const char *message) {
    printf("refused: %s: %s\n", dp_status_name(status), message);
    fflush(stdout);
    exit(4);
}

static uint64_t file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        char message[300];
        snprintf(message, sizeof message, "%s: %s", path, strerror(errno));
        refused(DP_ERR_SYSTEM, message);
    }
    return (uint64_t)st.st_size;
}

/* Maps --region with pair(size, 0, 1, tag) and the options the arguments give. */
static void open_region(dp_region *region, const args *a, const char *path, uint64_t tag, uint32_t holder,
                        int auto_beat) {
    if (path == NULL) {
        usage("--region is required");
    }
    dp_geometry pair;
    if (dp_geometry_pair(&pair, file_size(path), 0, 1, tag) != DP_OK) {
        refused(DP_ERR_ARGUMENT, "the region file's size does not make a pair of rings (at least 65536, a multiple"
                " of 4096)");
    }
    dp_options options;
    dp_options_default(&options);
    if (holder != 0) {
        options.holder = holder;
    }
    options.lease_timeout_ns = a->lease_ms * 1000000ULL;
    options.auto_beat = auto_beat;
    int status = dp_region_open(region, path, &pair, &options);
    if (status != DP_OK) {
        refused(status, region->error);
    }
}

/* A polling notifier that says once, on the first sleep, what it waits for. */
typedef struct announcing {
    const char *line;
    int said;
} announcing;

static int announcing_await(void *context, uint64_t timeout_ns) {
    announcing *a = context;
    if (!a->said) {
        a->said = 1;
        printf("%s\n", a->line);
        fflush(stdout);
    }
    struct timespec t = {(time_t)(timeout_ns / 1000000000ULL), (long)(timeout_ns % 1000000000ULL)};
    nanosleep(&t, NULL);
    return 0;
}

static dp_notifier announcing_notifier(announcing *a, const args *options) {
    dp_notifier n = dp_notifier_polling(options->max_sleep_us * 1000ULL);
    n.await = announcing_await;
    n.context = a;
    return n;
}

/* The stream's `max`: the ring's max record length, or --max-length if smaller. */
static uint32_t stream_max(const args *a, uint32_t ring_max) {
    return a->max_length != 0 && a->max_length < ring_max ? a->max_length : ring_max;
}

/* After an attach: refused (exit 4) with the end's message, or the line "attached epoch E". */
static void attached(int status, const char *error, uint64_t epoch) {
    if (status != DP_OK) {
        refused(status, error);
    }
    printf("attached epoch %" PRIu64 "\n", epoch);
    fflush(stdout);
}

/* ---- produce ---- */

static int produce(const args *a) {
    dp_region region;
    open_region(&region, a, a->region, a->tag, a->holder, 1);
    dp_producer p;
    int status = dp_producer_attach(&p, &region, a->ring);
    attached(status, p.error, dp_producer_lease_epoch(&p));
    announcing blocked = {"blocked", 0};
    dp_notifier notifier = announcing_notifier(&blocked, a);
    uint32_t max = stream_max(a, dp_producer_max_record_length(&p));
    uint64_t published = 0, pending = 0;
    for (uint64_t i = 0; i < a->count; i++) {
        uint64_t k = a->start + i;
        uint32_t length = stream_length(a->seed, k, max);
        uint8_t *payload;
        status = dp_producer_claim(&p, length, stream_type(a->seed, k), &payload);
        if (status == DP_FULL) {
            if ((status = dp_producer_publish(&p)) != DP_OK) {
                refused(status, p.error);
            }
            published += pending;
            pending = 0;
            status = dp_producer_claim_wait(&p, length, stream_type(a->seed, k), &payload, &notifier,
                                            a->timeout_ms * 1000000ULL);
        }
        if (status != DP_OK) {
            refused(status, p.error);
        }
        stream_fill(a->seed, k, payload, length);
        int end_of_batch = (i + 1) % a->batch == 0 || i + 1 == a->count;
        status = end_of_batch ? dp_producer_commit(&p) : dp_producer_commit_batched(&p);
        if (status != DP_OK) {
            refused(status, p.error);
        }
        pending++;
        if (end_of_batch) {
            published += pending;
            pending = 0;
        }
        if (a->crash_after != 0 && i + 1 == a->crash_after) {
            printf("published %" PRIu64 "\n", a->start + published);
            fflush(stdout);
            _exit(3);
        }
    }
    printf("produced %" PRIu64 " sleeps %" PRIu64 "\n", dp_producer_records(&p), dp_producer_sleeps(&p));
    dp_producer_close(&p);
    dp_region_close(&region);
    return 0;
}

/* ---- consume ---- */

typedef struct checker {
    uint64_t seed;
    uint64_t next;                  /* the record number expected next */
    uint32_t max;
    uint64_t handled;
    uint64_t acked;                 /* records of the batches published so far */
    uint64_t crash_after;
    uint64_t start;
} checker;

static int check_record(void *context, const dp_record *record) {
    checker *c = context;
    char why[200];
    if (stream_check(c->seed, c->next, c->max, 0, record, why, sizeof why)) {
        printf("mismatch at record %" PRIu64 ": %s\n", c->next, why);
        fflush(stdout);
        exit(1);
    }
    c->next++;
    c->handled++;
    if (c->crash_after != 0 && c->handled == c->crash_after) {
        printf("acked %" PRIu64 "\n", c->start + c->acked);
        fflush(stdout);
        _exit(3);
    }
    return 0;
}

static int consume(const args *a) {
    dp_region region;
    open_region(&region, a, a->region, a->tag, a->holder, 1);
    dp_consumer c;
    int status = dp_consumer_attach(&c, &region, a->ring);      /* before the epoch is read: a sequence point */
    attached(status, c.error, dp_consumer_lease_epoch(&c));
    announcing waiting = {"waiting", 0};
    dp_notifier notifier = announcing_notifier(&waiting, a);
    checker check = {a->seed, a->start, stream_max(a, region.geometry.rings[a->ring].max_record_length), 0, 0,
                     a->crash_after, a->start};
    while (check.handled < a->count) {
        uint64_t left = a->count - check.handled;
        int limit = left < (uint64_t)a->limit ? (int)left : a->limit;
        int n = dp_consumer_take(&c, check_record, &check, limit, &notifier, a->timeout_ms * 1000000ULL);
        if (n < 0) {
            refused(n, c.error);
        }
        check.acked += (uint64_t)n;
    }
    printf("consumed %" PRIu64 " sleeps %" PRIu64 "\n", check.handled, dp_consumer_sleeps(&c));
    dp_consumer_close(&c);
    dp_region_close(&region);
    return 0;
}

/* ---- poll-all: a consumer that only counts (for regions a test corrupted) ---- */

static int count_record(void *context, const dp_record *record) {
    (void)record;
    ++*(uint64_t *)context;
    return 0;
}

static int poll_all(const args *a) {
    dp_region region;
    open_region(&region, a, a->region, a->tag, a->holder, 1);
    dp_consumer c;
    int status = dp_consumer_attach(&c, &region, a->ring);
    if (status != DP_OK) {
        refused(status, c.error);
    }
    uint64_t n = 0;
    while ((status = dp_consumer_poll(&c, count_record, &n, 1000)) > 0) {
    }
    if (status < 0) {
        refused(status, c.error);
    }
    printf("polled %" PRIu64 "\n", n);
    dp_consumer_close(&c);
    dp_region_close(&region);
    return 0;
}

/* ---- the golden scenario (docs/c-interop.md) ---- */

#define GOLDEN_SIZE 65536
#define GOLDEN_TAG 0x0123456789ABCDEFULL
#define GOLDEN_PRODUCER 0x50524F44u
#define GOLDEN_CONSUMER 0x434F4E53u
#define GOLDEN_RECORDS 60

static void must(int status, const char *error) {
    if (status < 0) {
        refused(status, error);
    }
}

/* Checks golden records of stream 1 (any length for k mod 10 == 9) in order. */
static int check_golden(void *context, const dp_record *record) {
    checker *c = context;
    char why[200];
    if (stream_check(c->seed, c->next, c->max, c->next % 10 == 9, record, why, sizeof why)) {
        printf("mismatch at record %" PRIu64 ": %s\n", c->next, why);
        fflush(stdout);
        exit(1);
    }
    c->next++;
    c->handled++;
    return 0;
}

static int golden_write(const args *a) {
    if (a->out == NULL) {
        usage("golden-write needs --out FILE");
    }
    int fd = open(a->out, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, GOLDEN_SIZE) != 0) {
        char message[300];
        snprintf(message, sizeof message, "%s: cannot create: %s", a->out, strerror(errno));
        refused(DP_ERR_SYSTEM, message);
    }
    close(fd);
    dp_region producers, consumers;
    open_region(&producers, a, a->out, GOLDEN_TAG, GOLDEN_PRODUCER, 0);
    open_region(&consumers, a, a->out, GOLDEN_TAG, GOLDEN_CONSUMER, 0);
    dp_producer p0, p1;
    dp_consumer c0;
    must(dp_producer_attach(&p0, &producers, 0), p0.error);
    must(dp_consumer_attach(&c0, &consumers, 0), c0.error);
    uint32_t capacity = producers.geometry.rings[0].capacity;
    uint32_t max = producers.geometry.rings[0].max_record_length;
    uint32_t prefix = 8192;
    checker check = {1, 0, max, 0, 0, 0, 0};
    for (uint64_t k = 0; k < GOLDEN_RECORDS; k++) {
        uint32_t length = stream_length(1, k, max);
        if (k % 10 == 9) {
            uint64_t position = dp_producer_position(&p0);
            uint32_t index = (uint32_t)(position % capacity);
            uint32_t to_end = capacity - (index < prefix ? prefix : index);
            if (to_end - 8 <= max) {
                length = to_end - 8;
            }
        }
        uint8_t *payload;
        int status = dp_producer_claim(&p0, length, stream_type(1, k), &payload);
        if (status == DP_FULL) {
            must(dp_producer_publish(&p0), p0.error);
            must(dp_consumer_poll(&c0, check_golden, &check, 1000), c0.error);
            status = dp_producer_claim(&p0, length, stream_type(1, k), &payload);
            if (status == DP_FULL) {
                refused(DP_FULL, "the claim found an empty ring full");
            }
        }
        must(status, p0.error);
        stream_fill(1, k, payload, length);
        must(k % 3 == 2 ? dp_producer_commit(&p0) : dp_producer_commit_batched(&p0), p0.error);
    }
    must(dp_producer_publish(&p0), p0.error);
    must(dp_consumer_poll(&c0, check_golden, &check, 4), c0.error);
    must(dp_producer_attach(&p1, &producers, 1), p1.error);
    for (uint64_t k = 0; k < 10; k++) {
        uint32_t length = stream_length(2, k, max);
        uint8_t *payload;
        must(dp_producer_claim(&p1, length, stream_type(2, k), &payload), p1.error);
        stream_fill(2, k, payload, length);
        must(dp_producer_commit(&p1), p1.error);
    }
    dp_producer_close(&p0);
    dp_producer_close(&p1);
    dp_consumer_close(&c0);
    dp_region_close(&producers);
    dp_region_close(&consumers);
    printf("golden written\n");
    return 0;
}

/* The first record left in a golden image: which record of stream 1 it is decides where checking starts. */
static int check_golden_from_any(void *context, const dp_record *record) {
    checker *c = context;
    if (c->handled == 0) {
        char why[200];
        for (uint64_t k0 = 1; k0 < GOLDEN_RECORDS; k0++) {
            if (!stream_check(c->seed, k0, c->max, k0 % 10 == 9, record, why, sizeof why)) {
                c->next = k0;
                break;
            }
        }
    }
    return check_golden(context, record);
}

static int mismatch(const char *what, uint64_t found, uint64_t expected) {
    printf("mismatch: %s %" PRIu64 ", expected %" PRIu64 "\n", what, found, expected);
    return 1;
}

static int golden_read(const args *a) {
    dp_region region;
    open_region(&region, a, a->region, GOLDEN_TAG, GOLDEN_CONSUMER, 0);
    uint32_t max = region.geometry.rings[0].max_record_length;
    dp_consumer c0, c1;
    dp_producer p0;
    must(dp_consumer_attach(&c0, &region, 0), c0.error);
    if (dp_consumer_lease_epoch(&c0) != 2) {
        return mismatch("ring 0's consumer epoch", dp_consumer_lease_epoch(&c0), 2);
    }
    checker check = {1, 0, max, 0, 0, 0, 0};
    int n;
    while ((n = dp_consumer_poll(&c0, check_golden_from_any, &check, 1000)) > 0) {
    }
    must(n, c0.error);
    if (check.handled == 0 || check.next != GOLDEN_RECORDS) {
        return mismatch("ring 0's records end before record", check.next, GOLDEN_RECORDS);
    }
    must(dp_consumer_attach(&c1, &region, 1), c1.error);
    checker ring1 = {2, 0, max, 0, 0, 0, 0};
    while ((n = dp_consumer_poll(&c1, check_golden, &ring1, 1000)) > 0) {
    }
    must(n, c1.error);
    if (ring1.next != 10) {
        return mismatch("ring 1's records", ring1.next, 10);
    }
    must(dp_producer_attach(&p0, &region, 0), p0.error);
    if (dp_producer_lease_epoch(&p0) != 2) {
        return mismatch("ring 0's producer epoch", dp_producer_lease_epoch(&p0), 2);
    }
    uint32_t length = stream_length(1, GOLDEN_RECORDS, max);
    uint8_t *payload;
    must(dp_producer_claim(&p0, length, stream_type(1, GOLDEN_RECORDS), &payload), p0.error);
    stream_fill(1, GOLDEN_RECORDS, payload, length);
    must(dp_producer_commit(&p0), p0.error);
    check.max = max;
    if ((n = dp_consumer_poll(&c0, check_golden, &check, 1000)) != 1) {
        must(n, c0.error);
        return mismatch("records after the producer's re-attach", (uint64_t)n, 1);
    }
    dp_producer_close(&p0);
    dp_consumer_close(&c0);
    dp_consumer_close(&c1);
    dp_region_close(&region);
    printf("golden ok\n");
    return 0;
}

int main(int argc, char **argv) {
    args a = parse(argc, argv);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(a.command, "produce")) return produce(&a);
    if (!strcmp(a.command, "consume")) return consume(&a);
    if (!strcmp(a.command, "poll-all")) return poll_all(&a);
    if (!strcmp(a.command, "golden-write")) return golden_write(&a);
    if (!strcmp(a.command, "golden-read")) return golden_read(&a);
    usage("unknown command");
    return 2;
}
