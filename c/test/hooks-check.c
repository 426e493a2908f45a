/*
 * The library built with -DDP_PLATFORM_HOOKS, as on a platform without POSIX (docs/c.md, "On
 * seL4/CAmkES"): memory from the platform (here malloc, standing in for a CAmkES dataport symbol),
 * time, sleep and randomness from the three hooks (here over POSIX, standing in for a timer
 * server). It formats a region, sends 1000 records through ring 0 with the blocking calls and
 * checks them; prints "hooks ok" and exits 0, or says what failed and exits 1.
 */
#define _GNU_SOURCE
#include "dataport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long hook_calls;

uint64_t dp_platform_now_ns(void) {
    struct timespec t;
    hook_calls++;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

void dp_platform_pause_ns(uint64_t ns) {
    struct timespec t = {(time_t)(ns / 1000000000ULL), (long)(ns % 1000000000ULL)};
    hook_calls++;
    nanosleep(&t, NULL);
}

uint32_t dp_platform_random32(void) {
    hook_calls++;
    return 0x5E14u;
}

static int check(void *context, const dp_record *record) {
    uint32_t *next = context;
    if (record->length != *next % 100 || record->type != (int32_t)*next
        || (record->length > 0 && record->payload[0] != (uint8_t)*next)) {
        printf("record %u: length %u type %d\n", *next, record->length, record->type);
        exit(1);
    }
    ++*next;
    return 0;
}

int main(void) {
    enum { SIZE = 65536 };
    void *memory = aligned_alloc(4096, SIZE);        /* on CAmkES: the dataport's symbol */
    if (memory == NULL) {
        return 1;
    }
    memset(memory, 0, SIZE);
    dp_geometry pair;
    dp_geometry_pair(&pair, SIZE, 0, 1, 42);
    dp_region region, files;
    dp_producer out;
    dp_consumer in;
    if (dp_region_open(&files, "/dev/shm/anything", &pair, NULL) != DP_ERR_ARGUMENT) {
        puts("dp_region_open worked in a build without files");
        return 1;
    }
    if (dp_region_wrap(&region, memory, SIZE, &pair, NULL) != DP_OK) {
        puts(region.error);
        return 1;
    }
    if (dp_producer_attach(&out, &region, 0) != DP_OK || dp_consumer_attach(&in, &region, 0) != DP_OK) {
        puts(out.error[0] ? out.error : in.error);
        return 1;
    }
    dp_notifier poll = dp_notifier_polling(100000);
    uint32_t next = 0;
    for (uint32_t k = 0; k < 1000; k++) {
        uint8_t *payload;
        if (dp_producer_claim_wait(&out, k % 100, (int32_t)k, &payload, &poll, 0) == DP_ERR_TIMEOUT) {
            while (next < k) {                        /* full: drain, then claim again */
                if (dp_consumer_take(&in, check, &next, 64, &poll, 1000000000ULL) < 0) {
                    puts(in.error);
                    return 1;
                }
            }
            if (dp_producer_claim(&out, k % 100, (int32_t)k, &payload) != DP_OK) {
                puts(out.error);
                return 1;
            }
        }
        memset(payload, (int)k, k % 100);
        dp_producer_commit(&out);
    }
    while (next < 1000) {
        if (dp_consumer_take(&in, check, &next, 64, &poll, 1000000000ULL) < 0) {
            puts(in.error);
            return 1;
        }
    }
    if (hook_calls == 0) {
        puts("the hooks were never called");
        return 1;
    }
    dp_producer_close(&out);
    dp_consumer_close(&in);
    dp_region_close(&region);
    free(memory);
    printf("hooks ok (%lu hook calls)\n", hook_calls);
    return 0;
}
