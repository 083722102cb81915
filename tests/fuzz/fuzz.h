/* What the fuzz targets share: the invariant check, libFuzzer's entry
 * points, and small independent reference helpers. */
#ifndef GH_FUZZ_H
#define GH_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#define REQUIRE(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort(); \
        } \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The targets' root pool, made on first use (libFuzzer is single-threaded). */
static inline apr_pool_t *fuzz_root_pool(void)
{
    static apr_pool_t *root;

    if (root == NULL
        && (apr_initialize() != APR_SUCCESS || apr_pool_create(&root, NULL) != APR_SUCCESS)) {
        abort();
    }
    return root;
}

/* A NUL-terminated copy of n input bytes (malloc'd; the caller frees). */
static inline char *dup_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL) {
        abort();
    }
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Reference rule for a referrer: 1 to 64 of A-Z, 0-9 and '_'. */
static inline int referrer_well_formed(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > 64) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
            return 0;
        }
    }
    return 1;
}

#endif
