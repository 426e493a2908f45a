/*
 * libFuzzer target: the C library over a hostile region (docs/c.md, "Fuzzing"). The template is a
 * 64 KiB region formatted as pair(65536, 0, 1, 7) holding records over more than one lap of ring
 * 0 and a few in ring 1, all ends closed. Each input patches it: a sequence of 10-byte patches,
 * (offset: 2 bytes, little-endian, rounded down to 8) then an 8-byte word stored there. Then the
 * library attaches to it as a peer would: the directory, the consumer of each ring (polling until
 * empty or refused), the producer of ring 0 (its recovery scan, then claims of several sizes).
 * Every call may fail with a DP_ERR_* status; none may read or write outside the region, hang, or
 * trip AddressSanitizer / UndefinedBehaviorSanitizer.
 *
 *   make -C c O=build/fuzz CC=clang fuzz && build/fuzz/fuzz-region -max_total_time=60 -seed=1
 */
#include "dataport.h"

#include <stdlib.h>
#include <string.h>

#define SIZE 65536

static uint8_t *template_region;
static uint8_t *region;
static dp_geometry pair;
static dp_options options;

static int count(void *context, const dp_record *record) {
    uint64_t *n = context;
    /* Touch every payload byte: an out-of-bounds payload would show here. */
    for (uint32_t i = 0; i < record->length; i++) {
        *n += record->payload[i];
    }
    return 0;
}

static void make_template(void) {
    template_region = aligned_alloc(4096, SIZE);
    region = aligned_alloc(4096, SIZE);
    if (template_region == NULL || region == NULL) {
        abort();
    }
    memset(template_region, 0, SIZE);
    dp_geometry_pair(&pair, SIZE, 0, 1, 7);
    dp_options_default(&options);
    options.holder = 0x46555A5A;                  /* "FUZZ" */
    options.lease_timeout_ns = 1000000;           /* 1 ms: a stalled format is taken over at once */
    options.take_over = 0;                        /* a held role is refused at once, never watched */
    options.auto_beat = 0;
    dp_region r;
    dp_producer p;
    dp_consumer c;
    uint64_t sum = 0;
    if (dp_region_wrap(&r, template_region, SIZE, &pair, &options) != DP_OK
        || dp_producer_attach(&p, &r, 0) != DP_OK || dp_consumer_attach(&c, &r, 0) != DP_OK) {
        abort();
    }
    for (uint32_t k = 0; k < 200; k++) {
        uint32_t length = (k * 977) % 3000;
        uint8_t *payload;
        if (dp_producer_claim(&p, length, (int32_t)k, &payload) == DP_FULL) {
            dp_producer_publish(&p);
            dp_consumer_poll(&c, count, &sum, 1000);
            k--;
            continue;
        }
        memset(payload, (int)k, length);
        if (k % 4 == 3) {
            dp_producer_commit(&p);
        } else {
            dp_producer_commit_batched(&p);
        }
    }
    dp_producer_publish(&p);
    dp_consumer_poll(&c, count, &sum, 5);
    dp_producer_close(&p);
    dp_consumer_close(&c);
    dp_producer_attach(&p, &r, 1);
    for (uint32_t k = 0; k < 5; k++) {
        dp_producer_offer(&p, "ring one", 8, 1);
    }
    dp_producer_close(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (template_region == NULL) {
        make_template();
    }
    memcpy(region, template_region, SIZE);
    for (size_t at = 0; at + 10 <= size; at += 10) {
        uint32_t offset = (uint32_t)(data[at] | data[at + 1] << 8) & ~7u;
        memcpy(region + offset, data + at + 2, 8);
    }
    dp_region r;
    if (dp_region_wrap(&r, region, SIZE, &pair, &options) != DP_OK) {
        return 0;
    }
    uint64_t sum = 0;
    for (uint32_t ring = 0; ring < 2; ring++) {
        dp_consumer c;
        if (dp_consumer_attach(&c, &r, ring) == DP_OK) {
            for (int i = 0; i < 64 && dp_consumer_poll(&c, count, &sum, 1000) > 0; i++) {
            }
            dp_consumer_close(&c);
        }
    }
    dp_producer p;
    if (dp_producer_attach(&p, &r, 0) == DP_OK) {
        static const uint32_t lengths[] = {0, 1, 100, 3000, 12000, 12280};
        for (int i = 0; i < 12; i++) {
            uint8_t *payload;
            uint32_t length = lengths[i % 6];
            int status = dp_producer_claim(&p, length, 0, &payload);
            if (status == DP_OK) {
                memset(payload, 0xAB, length);
                dp_producer_commit(&p);
            } else if (status < 0 && status != DP_ERR_REFUSED) {
                break;
            }
        }
        dp_producer_close(&p);
    }
    return 0;
}
