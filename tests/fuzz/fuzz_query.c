/* libFuzzer target: the unlink callback's query form. The input is split at
 * its first NUL into userKey and referrer (no NUL: no referrer; an empty
 * input: no userKey either), each copied into its own exactly sized heap
 * string, then fed to gh_toss_unlink_from_query and gh_parse_int64_dec.
 * An independent check decides what each must answer; abort() on any
 * difference, and a parsed value must print back as its digits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gh_text.h"
#include "gh_toss_input.h"




/* Reference: digits only, non-empty, value <= INT64_MAX. On success
 * *canon is the digits without leading zeros ("0" for zero). */
static int ref_parse(const char *s, const char **canon)
{
    static const char max[] = "9223372036854775807";
    size_t n = strlen(s);

    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    while (n > 1 && *s == '0') {
        s++;
        n--;
    }
    *canon = s;
    return n < sizeof(max) - 1 || (n == sizeof(max) - 1 && strcmp(s, max) <= 0);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    char *key = NULL, *ref = NULL;
    const char *canon = NULL, *err;
    apr_int64_t v = -1;
    gh_toss_unlink_t u;
    int parsed, expect_parsed = 0;
    char printed[32];

    if (size > 0) {
        size_t klen = nul ? (size_t)(nul - data) : size;
        key = dup_bytes(data, klen);
        if (nul) {
            const uint8_t *rest = nul + 1;
            size_t rlen = size - klen - 1;
            const uint8_t *end = memchr(rest, 0, rlen);
            ref = dup_bytes(rest, end ? (size_t)(end - rest) : rlen);
        }
    }

    /* gh_parse_int64_dec against the reference */
    if (key != NULL) {
        parsed = gh_parse_int64_dec(key, &v) == 0;
        expect_parsed = ref_parse(key, &canon);
        REQUIRE(parsed == expect_parsed);
        if (parsed) {
            REQUIRE(v >= 0);
            snprintf(printed, sizeof(printed), "%lld", (long long)v);
            REQUIRE(strcmp(printed, canon) == 0);
            if (key[0] != '0' || key[1] == '\0') {      /* no leading zeros */
                REQUIRE(strcmp(printed, key) == 0);
            }
        }
    }

    /* the referrer checks against the reference */
    if (ref != NULL) {
        REQUIRE((gh_toss_referrer_check(ref) == NULL) == referrer_well_formed(ref));
        REQUIRE(!!gh_toss_referrer_known(ref) == (strcmp(ref, "UNLINK") == 0
                                                  || strcmp(ref, "WITHDRAWAL_TERMS") == 0
                                                  || strcmp(ref, "WITHDRAWAL_TOSS") == 0));
    }

    /* gh_toss_unlink_from_query: the first problem is reported */
    memset(&u, 0, sizeof(u));
    err = gh_toss_unlink_from_query(key, ref, &u);
    if (key == NULL) {
        REQUIRE(err != NULL && strcmp(err, "userKey is required") == 0);
    }
    else if (!expect_parsed) {
        REQUIRE(err != NULL && strcmp(err, "userKey must be a non-negative integer") == 0);
    }
    else if (ref != NULL && !referrer_well_formed(ref)) {
        REQUIRE(err != NULL);
        REQUIRE(strcmp(err, gh_toss_referrer_check(ref)) == 0);
    }
    else {
        REQUIRE(err == NULL);
        REQUIRE(u.user_key == v);
        REQUIRE(u.referrer == ref);
    }

    free(key);
    free(ref);
    return 0;
}
