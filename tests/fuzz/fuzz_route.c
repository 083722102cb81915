/* libFuzzer target: gh_route_find over a small fixed route table.
 * The input is "METHOD\0path" (no NUL: the first byte picks a common method
 * and the rest is the path), copied into exactly sized heap strings.
 * A reference matcher that works segment by segment decides the expected
 * result; abort() on any difference, and on broken invariants: FOUND means
 * the route's method is the request's (or GET for HEAD), at most
 * GH_ROUTE_MAX_PARAMS captures, each a non-empty segment without '/'.
 * A found route whose captures are not all well-formed UTF-8 (decided by
 * a decoder here, not gh_text's) must give GH_ROUTE_BAD_PARAM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_route.h"

static int h(struct request_rec *r, const gh_route_params_t *params)
{
    (void)r;
    (void)params;
    return 0;
}

static const gh_route_t table[] = {
    { "GET",    "/",                            h, GH_ROUTE_PUBLIC },
    { "POST",   "/rooms",                       h, GH_ROUTE_AUTH },
    { "GET",    "/rooms",                       h, GH_ROUTE_PUBLIC },
    { "GET",    "/rooms/{id}",                  h, GH_ROUTE_PUBLIC },
    { "DELETE", "/rooms/{id}",                  h, GH_ROUTE_AUTH },
    { "GET",    "/rooms/new",                   h, GH_ROUTE_PUBLIC },   /* shadowed */
    { "PUT",    "/rooms/{id}/members/{user}",   h, GH_ROUTE_AUTH },
    { "POST",   "/toss/unlink",                 h, GH_ROUTE_PUBLIC },
    { "GET",    "/toss/unlink",                 h, GH_ROUTE_PUBLIC },
    { "GET",    "/health",                      h, GH_ROUTE_PUBLIC },
    { "GET",    "/a/{p1}/{p2}/{p3}/{p4}",       h, GH_ROUTE_PUBLIC },
    { "GET",    "/b/{p1}/{p2}/{p3}/{p4}/{p5}",  h, GH_ROUTE_PUBLIC },   /* too many */
    { "OPTIONS", "/{any}",                      h, GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

static const char *const common_methods[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get",
};

typedef struct {
    int count;
    const char *name[GH_ROUTE_MAX_PARAMS + 1];
    size_t name_len[GH_ROUTE_MAX_PARAMS + 1];
    const char *value[GH_ROUTE_MAX_PARAMS + 1];
    size_t value_len[GH_ROUTE_MAX_PARAMS + 1];
} ref_params_t;

/* Splits both at '/' and compares segment by segment: a "{name}" pattern
 * segment takes any non-empty path segment, others must be equal. More
 * than GH_ROUTE_MAX_PARAMS captures never match. */
static int ref_match(const char *pat, const char *path, ref_params_t *rp)
{
    rp->count = 0;
    for (;;) {
        size_t pl = strcspn(pat, "/"), sl = strcspn(path, "/");

        if (pl >= 2 && pat[0] == '{' && pat[pl - 1] == '}') {
            if (sl == 0 || rp->count == GH_ROUTE_MAX_PARAMS) {
                return 0;
            }
            rp->name[rp->count] = pat + 1;
            rp->name_len[rp->count] = pl - 2;
            rp->value[rp->count] = path;
            rp->value_len[rp->count] = sl;
            rp->count++;
        }
        else if (pl != sl || memcmp(pat, path, pl) != 0) {
            return 0;
        }
        pat += pl;
        path += sl;
        if (*pat == '\0' || *path == '\0') {
            return *pat == '\0' && *path == '\0';
        }
        pat++;                              /* both are at a '/' */
        path++;
    }
}

/* Well-formed UTF-8 by the Unicode standard's table 3-7: decodes each
 * sequence and refuses overlongs, surrogates and values past U+10FFFF. */
static int ref_utf8(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned long cp;
        size_t n;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        n = (u[i] & 0xE0) == 0xC0 ? 2 : (u[i] & 0xF0) == 0xE0 ? 3 : (u[i] & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || i + n > len) {
            return 0;
        }
        cp = u[i] & (0x7F >> n);
        for (size_t k = 1; k < n; k++) {
            if ((u[i + k] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)
            || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return 0;
        }
        i += n;
    }
    return 1;
}

static int ref_method_ok(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0
        || (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    char *method, *path;
    apr_pool_t *p;
    const gh_route_t *found = NULL, *want = NULL;
    gh_route_params_t params;
    ref_params_t rp, want_rp;
    const char *allow = NULL, *want_allow = NULL;
    gh_route_result_e res;

    if (size == 0) {
        return 0;
    }
    if (nul) {
        const uint8_t *rest = nul + 1;
        size_t rlen = size - (size_t)(nul - data) - 1;
        const uint8_t *end = memchr(rest, 0, rlen);
        method = dup_bytes(data, (size_t)(nul - data));
        path = dup_bytes(rest, end ? (size_t)(end - rest) : rlen);
    }
    else {
        method = dup_bytes((const uint8_t *)common_methods[data[0] % 8],
                           strlen(common_methods[data[0] % 8]));
        path = dup_bytes(data + 1, size - 1);
    }
    if (apr_pool_create(&p, fuzz_root_pool()) != APR_SUCCESS) {
        abort();
    }

    /* what the reference expects */
    memset(&want_rp, 0, sizeof(want_rp));
    for (const gh_route_t *rt = table; rt->method; rt++) {
        if (!ref_match(rt->pattern, path, &rp)) {
            continue;
        }
        if (ref_method_ok(rt->method, method)) {
            want = rt;
            want_rp = rp;
            break;
        }
        want_allow = want_allow ? apr_pstrcat(p, want_allow, ", ", rt->method, NULL)
                                : rt->method;
        if (strcmp(rt->method, "GET") == 0) {
            want_allow = apr_pstrcat(p, want_allow, ", HEAD", NULL);
        }
    }

    memset(&params, 0xA5, sizeof(params));
    res = gh_route_find(p, table, method, path, &found, &params, &allow);

    if (want != NULL) {
        int utf8 = 1;
        for (int i = 0; i < want_rp.count; i++) {
            utf8 &= ref_utf8(want_rp.value[i], want_rp.value_len[i]);
        }
        REQUIRE(res == (utf8 ? GH_ROUTE_FOUND : GH_ROUTE_BAD_PARAM));
        REQUIRE(found == want);
        REQUIRE(ref_method_ok(found->method, method));
        REQUIRE(params.count >= 0 && params.count <= GH_ROUTE_MAX_PARAMS);
        REQUIRE(params.count == want_rp.count);
        for (int i = 0; i < params.count; i++) {
            const char *name = params.item[i].name, *value = params.item[i].value;
            REQUIRE(strlen(name) == want_rp.name_len[i]);
            REQUIRE(memcmp(name, want_rp.name[i], want_rp.name_len[i]) == 0);
            REQUIRE(strlen(value) == want_rp.value_len[i]);
            REQUIRE(memcmp(value, want_rp.value[i], want_rp.value_len[i]) == 0);
            REQUIRE(value[0] != '\0' && strchr(value, '/') == NULL);
            REQUIRE(value != want_rp.value[i]);               /* a copy */
            REQUIRE(gh_route_param(&params, name) == value);  /* names are distinct */
        }
        REQUIRE(gh_route_param(&params, "no-such-param") == NULL);
    }
    else if (want_allow != NULL) {
        REQUIRE(res == GH_ROUTE_BAD_METHOD);
        REQUIRE(found == NULL);
        REQUIRE(allow != NULL && strcmp(allow, want_allow) == 0);
    }
    else {
        REQUIRE(res == GH_ROUTE_NOT_FOUND);
        REQUIRE(found == NULL);
        REQUIRE(allow == NULL);
    }

    apr_pool_destroy(p);
    free(method);
    free(path);
    return 0;
}
