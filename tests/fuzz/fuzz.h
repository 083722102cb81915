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

/* RFC 4648 base64, an independent reference for the decoders. */
static const char STD_ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char URL_ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static inline int b64_value(unsigned char c, int url)
{
    const char *a = url ? URL_ALPHABET : STD_ALPHABET;
    const char *hit = c ? memchr(a, c, 64) : NULL;
    return hit ? (int)(hit - a) : -1;
}

/* RFC 4648 decoding: standard with its padding (a multiple of 4 with one
 * or two '=' ending the last quantum), or url without padding (no length
 * 4k+1). out holds len * 3 / 4 + 1 bytes. Returns the decoded length or
 * -1; *canonical says whether the unused trailing bits are zero. */
static inline long ref_b64_decode(const unsigned char *in, size_t len, int url, unsigned char *out,
                                  int *canonical)
{
    size_t n = len, o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (!url) {
        if (len % 4 != 0) {
            return -1;
        }
        for (int k = 0; k < 2 && n > 0 && in[n - 1] == '='; k++) {
            n--;
        }
    }
    if (n % 4 == 1) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i], url);
        if (v < 0) {
            return -1;
        }
        acc = ((acc << 6) | (unsigned)v) & 0xffffu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    *canonical = (acc & ((1u << bits) - 1)) == 0;
    return (long)o;
}

#endif
