/* libFuzzer target: arbitrary bytes as a request body, through
 * gh_json_parse and, when that yields a value, gh_toss_unlink_from_json.
 * abort()s when an invariant the modules promise does not hold:
 *  - parse succeeds only for non-empty, valid UTF-8 that gh_json_lex takes;
 *  - a failure sets *err, leaves *out NULL, and says why for the empty
 *    and invalid-UTF-8 cases;
 *  - a success is at most 32 levels deep, serialises to valid UTF-8 that
 *    parses back to a json_object_equal value;
 *  - no accepted number has a leading zero ("00", "-01");
 *  - gh_toss_unlink_from_json succeeds only with a non-negative integer
 *    userKey and a NULL or well-formed referrer that is the whole JSON
 *    string (no embedded NUL). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "fuzz.h"
#include "gh_json.h"
#include "gh_text.h"
#include "gh_toss_input.h"

/* Whether buf, already accepted as JSON, has a number with a leading zero.
 * A number starts with '-' or a digit right after the start, whitespace or
 * one of "[{:,"; what follows its optional '-' must not be 0 then a digit. */
static int has_leading_zero(const char *buf, size_t n)
{
    int in_string = 0;

    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            }
            else if (c == '"') {
                in_string = 0;
            }
            continue;
        }
        if (c == '"') {
            in_string = 1;
            continue;
        }
        if ((c == '-' || (c >= '0' && c <= '9'))
            && (i == 0 || (buf[i - 1] != '\0' && strchr(" \t\r\n[{:,", buf[i - 1]) != NULL))) {
            size_t j = i + (c == '-');
            if (j + 1 < n && buf[j] == '0' && buf[j + 1] >= '0' && buf[j + 1] <= '9') {
                return 1;
            }
        }
    }
    return 0;
}

/* Nesting depth of containers: a scalar is 0, [] and {} are 1. */
static int depth_of(json_object *o)
{
    int d = 0;

    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            int c = depth_of(json_object_array_get_idx(o, i));
            d = c > d ? c : d;
        }
        return d + 1;
    }
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) {
            int c = depth_of(v);
            (void)k;
            d = c > d ? c : d;
        }
        return d + 1;
    }
    return 0;
}

static void check_toss(json_object *obj)
{
    gh_toss_unlink_t u;
    const char *err;
    json_object *key = NULL;

    memset(&u, 0, sizeof(u));
    err = gh_toss_unlink_from_json(obj, &u);
    if (!json_object_is_type(obj, json_type_object)) {
        REQUIRE(err != NULL);
        return;
    }
    if (err != NULL) {
        return;
    }
    REQUIRE(json_object_object_get_ex(obj, "userKey", &key));
    REQUIRE(json_object_is_type(key, json_type_int));
    REQUIRE(u.user_key >= 0);
    REQUIRE(u.user_key == json_object_get_int64(key));
    if (u.referrer != NULL) {
        json_object *ref = NULL;
        REQUIRE(referrer_well_formed(u.referrer));
        REQUIRE(gh_toss_referrer_check(u.referrer) == NULL);
        REQUIRE(json_object_object_get_ex(obj, "referrer", &ref));
        REQUIRE(strlen(u.referrer) == (size_t)json_object_get_string_len(ref));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    apr_pool_t *p;
    static char sentinel;           /* proves gh_json_parse sets *out */
    json_object *obj = (json_object *)&sentinel, *back = NULL;
    const char *err = NULL, *lerr = NULL, *ser;
    apr_size_t slen = 0;
    int rc, lrc, utf8;

    if (apr_pool_create(&p, fuzz_root_pool()) != APR_SUCCESS) {
        abort();
    }
    rc = gh_json_parse(p, buf, size, &obj, &err);
    utf8 = gh_utf8_valid(buf, size);
    lrc = gh_json_lex(buf, size, &lerr);
    REQUIRE(lrc == 0 || lrc == -1);
    REQUIRE(lrc == 0 || lerr != NULL);

    if (rc != 0) {
        REQUIRE(rc == -1);
        REQUIRE(err != NULL && *err != '\0');
        REQUIRE(obj == NULL);
        if (size == 0) {
            REQUIRE(strcmp(err, "request body is empty") == 0);
        }
        else if (!utf8) {
            REQUIRE(strcmp(err, "request body is not valid UTF-8") == 0);
        }
        else if (lrc != 0) {
            REQUIRE(strcmp(err, lerr) == 0);
        }
        apr_pool_destroy(p);
        return 0;
    }

    REQUIRE(size > 0);
    REQUIRE(utf8);
    REQUIRE(lrc == 0);
    REQUIRE(depth_of(obj) <= 32);
    REQUIRE(!has_leading_zero(buf, size));

    /* serialise, then parse what was written: the same value comes back */
    ser = gh_json_serialize(obj, &slen);
    REQUIRE(ser != NULL);
    REQUIRE(slen == strlen(ser));
    REQUIRE(gh_utf8_valid(ser, slen));
    err = NULL;
    if (gh_json_parse(p, ser, slen, &back, &err) != 0) {
        fprintf(stderr, "round trip failed (%s) for %.*s\n", err, (int)slen, ser);
        abort();
    }
    REQUIRE(json_object_equal(obj, back));

    check_toss(obj);
    apr_pool_destroy(p);
    return 0;
}
