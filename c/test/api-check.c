/*
 * The C library's answers to mistakes (docs/c.md, "The API in one page"): bad arguments, calls out
 * of order, ends never attached or closed, a region that is not what was asked for, a role held by
 * another holder or taken over. Each must give its documented status and a one-line message, and
 * never crash. Prints "api ok (N checks)" and exits 0, or the first failed check and exits 1. Run by
 * CExamplesTest under AddressSanitizer and UBSan.
 */
#define _GNU_SOURCE
#include "dataport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks;

#define EXPECT(call, status, words)                                                                    \
    do {                                                                                               \
        int got_ = (call);                                                                             \
        checks++;                                                                                      \
        if (got_ != (status)) {                                                                        \
            printf("FAIL line %d: %s gave %s, expected %s\n", __LINE__, #call, dp_status_name(got_),   \
                   dp_status_name(status));                                                            \
            exit(1);                                                                                   \
        }                                                                                              \
    } while (0)

/* The error message of the last failed call on `object` holds `words`, on one line. */
#define MESSAGE(object, words)                                                                         \
    do {                                                                                               \
        checks++;                                                                                      \
        if (strstr((object).error, (words)) == NULL || strchr((object).error, '\n') != NULL) {         \
            printf("FAIL line %d: message '%s' does not say '%s'\n", __LINE__, (object).error, words); \
            exit(1);                                                                                   \
        }                                                                                              \
    } while (0)

static int ignore(void *context, const dp_record *record) {
    (void)context;
    (void)record;
    return 0;
}

enum { SIZE = 65536 };

static uint8_t *fresh(void) {
    uint8_t *m = aligned_alloc(4096, SIZE);
    if (m == NULL) {
        exit(1);
    }
    memset(m, 0, SIZE);
    return m;
}

static dp_options options(uint32_t holder, uint64_t timeout_ns, int take_over) {
    dp_options o;
    dp_options_default(&o);
    o.holder = holder;
    o.lease_timeout_ns = timeout_ns;
    o.take_over = take_over;
    o.auto_beat = 0;
    return o;
}

int main(void) {
    dp_geometry pair, other;
    EXPECT(dp_geometry_pair(&pair, 4096, 0, 1, 7), DP_ERR_ARGUMENT, "");
    EXPECT(dp_geometry_pair(&pair, SIZE + 1, 0, 1, 7), DP_ERR_ARGUMENT, "");
    EXPECT(dp_geometry_pair(&pair, SIZE, 0, 1, 7), DP_OK, "");
    EXPECT(dp_geometry_pair(&other, SIZE, 0, 1, 8), DP_OK, "");
    EXPECT(dp_geometry_index_of(&pair, 1, 0), 1, "");
    EXPECT(dp_geometry_index_of(&pair, 0, 2), -1, "");

    uint8_t *m = fresh();
    dp_region r, r2;
    dp_options me = options(0x11, 1000000, 1), you = options(0x22, 1000000, 0), bad = options(0, 1000000, 1);
    EXPECT(dp_region_wrap(&r, m + 4, SIZE, &pair, &me), DP_ERR_ARGUMENT, "");
    MESSAGE(r, "8-byte aligned");
    EXPECT(dp_region_wrap(&r, m, SIZE, &pair, &bad), DP_ERR_ARGUMENT, "");
    MESSAGE(r, "holder identity 0");
    EXPECT(dp_region_wrap(&r, m, SIZE / 2, &pair, &me), DP_ERR_REFUSED, "");
    MESSAGE(r, "the geometry asks for");
    EXPECT(dp_region_wrap(&r, m, SIZE, NULL, &me), DP_ERR_REFUSED, "");            /* nobody formats it */
    MESSAGE(r, "not formatted");
    m[100] = 1;
    EXPECT(dp_region_wrap(&r, m, SIZE, &pair, &me), DP_ERR_REFUSED, "");
    MESSAGE(r, "not zero-filled");
    m[100] = 0;
    EXPECT(dp_region_wrap(&r, m, SIZE, &pair, &me), DP_OK, "");
    EXPECT(dp_region_wrap(&r2, m, SIZE, &other, &you), DP_ERR_REFUSED, "");
    MESSAGE(r2, "holds another geometry");
    EXPECT(dp_region_wrap(&r2, m, SIZE, NULL, &you), DP_OK, "");                    /* join: the directory's */
    checks++;
    if (r2.geometry.tag != 7 || r2.generation != 1) {
        printf("FAIL: joined geometry tag %llu generation %u\n", (unsigned long long)r2.geometry.tag, r2.generation);
        return 1;
    }

    dp_producer never, p, p2;
    dp_consumer c, c2;
    memset(&never, 0, sizeof never);
    uint8_t *payload;
    EXPECT(dp_producer_claim(&never, 1, 0, &payload), DP_ERR_ARGUMENT, "");
    MESSAGE(never, "never attached");
    EXPECT(dp_producer_beat(&never), DP_ERR_ARGUMENT, "");
    EXPECT(dp_producer_close(&never), DP_OK, "");

    EXPECT(dp_producer_attach(&p, &r, 5), DP_ERR_ARGUMENT, "");
    MESSAGE(p, "ring index 5");
    EXPECT(dp_producer_attach(&p, &r, 0), DP_OK, "");
    EXPECT(dp_producer_attach(&p2, &r, 0), DP_ERR_ARGUMENT, "");
    MESSAGE(p2, "already held by this holder");
    EXPECT(dp_producer_attach(&p2, &r2, 0), DP_ERR_HELD, "");
    MESSAGE(p2, "held by holder 11");
    EXPECT(dp_producer_claim(&p, dp_producer_max_record_length(&p) + 1, 0, &payload), DP_ERR_ARGUMENT, "");
    MESSAGE(p, "outside [0, 12280]");
    EXPECT(dp_producer_claim(&p, 8, -1, &payload), DP_ERR_ARGUMENT, "");
    MESSAGE(p, "negative");
    EXPECT(dp_producer_claim(&p, 8, 0, NULL), DP_ERR_ARGUMENT, "");
    EXPECT(dp_producer_commit(&p), DP_ERR_ARGUMENT, "");
    MESSAGE(p, "no open claim");
    EXPECT(dp_producer_claim(&p, 8, 0, &payload), DP_OK, "");
    EXPECT(dp_producer_claim(&p, 8, 0, &payload), DP_ERR_ARGUMENT, "");
    MESSAGE(p, "already open");
    EXPECT(dp_producer_abort(&p), DP_OK, "");
    EXPECT(dp_producer_offer(&p, NULL, 3, 0), DP_ERR_ARGUMENT, "");
    EXPECT(dp_producer_claim_wait(&p, 8, 0, &payload, NULL, 1), DP_ERR_ARGUMENT, "");
    MESSAGE(p, "no notifier");

    dp_notifier poll = dp_notifier_polling(100000);
    EXPECT(dp_consumer_attach(&c, &r2, 0), DP_OK, "");
    EXPECT(dp_consumer_poll(&c, ignore, NULL, 0), DP_ERR_ARGUMENT, "");
    MESSAGE(c, "limit must be positive");
    EXPECT(dp_consumer_poll(&c, NULL, NULL, 1), DP_ERR_ARGUMENT, "");
    EXPECT(dp_consumer_take(&c, ignore, NULL, 1, &poll, 0), DP_ERR_TIMEOUT, "");
    MESSAGE(c, "no record arrived within 0 ms");
    int n = 0;
    while (dp_producer_offer(&p, "x", 1, 0) == DP_OK) {
        n++;
    }
    EXPECT(dp_producer_claim_wait(&p, 1, 0, &payload, &poll, 0), DP_ERR_TIMEOUT, "");
    MESSAGE(p, "no room for a record of 1 bytes");
    EXPECT(dp_consumer_poll(&c, ignore, NULL, 1 << 30), n, "");

    /* A consumer that stops beating is taken over; at its next call it learns it lost. */
    dp_options taker = options(0x33, 1000000, 1);
    dp_region r3;
    EXPECT(dp_region_wrap(&r3, m, SIZE, &pair, &taker), DP_OK, "");
    EXPECT(dp_consumer_attach(&c2, &r3, 0), DP_OK, "");
    checks++;
    if (dp_consumer_lease_epoch(&c2) != 2) {
        printf("FAIL: the taker's epoch is %llu, expected 2\n", (unsigned long long)dp_consumer_lease_epoch(&c2));
        return 1;
    }
    EXPECT(dp_consumer_beat(&c), DP_ERR_LOST, "");
    MESSAGE(c, "lost its role");
    EXPECT(dp_consumer_poll(&c, ignore, NULL, 1), DP_ERR_LOST, "");
    EXPECT(dp_producer_offer(&p, "y", 1, 0), DP_OK, "");
    EXPECT(dp_consumer_poll(&c2, ignore, NULL, 16), 1, "");

    /* A producer taken over while it holds a claim: its commit is the one late commit fencing
     * allows (a CAS from the END the taker also found at the frontier: it wins, and the taker
     * steps over the record); its next claim learns it lost; the taker goes on after the record. */
    EXPECT(dp_producer_claim(&p, 4, 0, &payload), DP_OK, "");
    memcpy(payload, "late", 4);
    EXPECT(dp_producer_attach(&p2, &r3, 0), DP_OK, "");
    EXPECT(dp_producer_commit(&p), DP_OK, "");
    EXPECT(dp_producer_claim(&p, 4, 0, &payload), DP_ERR_LOST, "");
    MESSAGE(p, "lost its role");
    EXPECT(dp_producer_offer(&p2, "z", 1, 0), DP_OK, "");
    EXPECT(dp_consumer_poll(&c2, ignore, NULL, 16), 2, "");

    EXPECT(dp_producer_close(&p2), DP_OK, "");
    EXPECT(dp_producer_close(&p2), DP_OK, "");
    EXPECT(dp_producer_claim(&p2, 1, 0, &payload), DP_ERR_ARGUMENT, "");
    MESSAGE(p2, "closed");
    dp_producer_close(&p);
    dp_consumer_close(&c);
    dp_consumer_close(&c2);
    dp_region_close(&r);
    dp_region_close(&r2);
    dp_region_close(&r3);
    free(m);
    const int statuses[] = {DP_OK, DP_FULL, DP_ERR_ARGUMENT, DP_ERR_SYSTEM, DP_ERR_CORRUPT, DP_ERR_LOST, DP_ERR_HELD,
                            DP_ERR_REFUSED, DP_ERR_TIMEOUT};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        checks++;
        if (strncmp(dp_status_name(statuses[i]), "DP_", 3) != 0) {
            printf("FAIL: status %d has no name\n", statuses[i]);
            return 1;
        }
    }
    printf("api ok (%d checks)\n", checks);
    return 0;
}
