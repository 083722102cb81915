/* gh_route: gh_route_find, gh_route_index and gh_route_param over small
 * route tables. */
#include <string.h>

#include "check.h"
#include "suites.h"
#include <apr_strings.h>

#include "gh_route.h"

/* Handlers are only compared by address; none is ever called. */
static int h_root(struct request_rec *r, const gh_route_params_t *params)
{
    (void)r; (void)params; return 0;
}
static int h_rooms_create(struct request_rec *r, const gh_route_params_t *params)
{
    (void)r; (void)params; return 1;
}
static int h_rooms_list(struct request_rec *r, const gh_route_params_t *params)
{
    (void)r; (void)params; return 2;
}
static int h_room(struct request_rec *r, const gh_route_params_t *params)
{
    (void)r; (void)params; return 3;
}

static const gh_route_t table[] = {
    { "GET",    "/",                          h_root,         GH_ROUTE_PUBLIC },
    { "POST",   "/rooms",                     h_rooms_create, GH_ROUTE_AUTH },
    { "GET",    "/rooms",                     h_rooms_list,   GH_ROUTE_PUBLIC },
    { "GET",    "/rooms/{id}",                h_room,         GH_ROUTE_PUBLIC },
    { "DELETE", "/rooms/{id}",                h_room,         GH_ROUTE_AUTH },
    { "PUT",    "/rooms/{id}/members/{user}", h_room,         GH_ROUTE_AUTH },
    { "GET",    "/health",                    h_root,         GH_ROUTE_PUBLIC },
    { "POST",   "/only-post",                 h_root,         GH_ROUTE_PUBLIC },
    { "GET",    "/rooms/new",                 h_root,         GH_ROUTE_PUBLIC },  /* shadowed */
    { "GET",    "/a/{p1}/{p2}/{p3}/{p4}",     h_root,         GH_ROUTE_PUBLIC },
    { "GET",    "/b/{p1}/{p2}/{p3}/{p4}/{p5}", h_root,        GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

#define SENTINEL "(untouched)"
static const gh_route_t sentinel_route = { "SENTINEL", "", NULL, 0 };

typedef struct {
    gh_route_result_e res;
    const gh_route_t *found;
    gh_route_params_t params;
    const char *allow;
} lookup_t;

static lookup_t find(apr_pool_t *p, const gh_route_t *t, const char *method, const char *path)
{
    lookup_t l;

    memset(&l, 0, sizeof(l));
    l.found = &sentinel_route;             /* must be overwritten */
    l.params.count = -1;
    l.allow = SENTINEL;
    l.res = gh_route_find(p, t, method, path, &l.found, &l.params, &l.allow);
    return l;
}

static void found(apr_pool_t *p)
{
    lookup_t l;

    l = find(p, table, "GET", "/");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[0]);
    CHECK_INT_EQ(l.params.count, 0);
    CHECK(l.found->handler == h_root);

    l = find(p, table, "GET", "/rooms");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[2]);
    CHECK(l.found->handler == h_rooms_list);
    CHECK_INT_EQ(l.params.count, 0);

    l = find(p, table, "POST", "/rooms");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[1]);
    CHECK(l.found->handler == h_rooms_create);
    CHECK_INT_EQ(l.found->flags, GH_ROUTE_AUTH);

    l = find(p, table, "GET", "/health");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[6]);

    /* GET routes answer HEAD */
    l = find(p, table, "HEAD", "/rooms");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[2]);
    l = find(p, table, "HEAD", "/");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[0]);
    l = find(p, table, "HEAD", "/rooms/9");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[3]);
    CHECK_STR_EQ(gh_route_param(&l.params, "id"), "9");

    /* the first match in table order wins: /rooms/{id} shadows /rooms/new */
    l = find(p, table, "GET", "/rooms/new");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[3]);
    CHECK_STR_EQ(gh_route_param(&l.params, "id"), "new");
}

static void params(apr_pool_t *p)
{
    lookup_t l;
    char path[32];

    l = find(p, table, "GET", "/rooms/42");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[3]);
    CHECK_INT_EQ(l.params.count, 1);
    CHECK_STR_EQ(l.params.item[0].name, "id");
    CHECK_STR_EQ(l.params.item[0].value, "42");
    CHECK_STR_EQ(gh_route_param(&l.params, "id"), "42");
    CHECK_NULL(gh_route_param(&l.params, "user"));
    CHECK_NULL(gh_route_param(&l.params, "ID"));
    CHECK_NULL(gh_route_param(&l.params, ""));

    l = find(p, table, "DELETE", "/rooms/abc-DEF_1.2%20x");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[4]);
    CHECK_STR_EQ(gh_route_param(&l.params, "id"), "abc-DEF_1.2%20x");

    l = find(p, table, "PUT", "/rooms/7/members/alice");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[5]);
    CHECK_INT_EQ(l.params.count, 2);
    CHECK_STR_EQ(gh_route_param(&l.params, "id"), "7");
    CHECK_STR_EQ(gh_route_param(&l.params, "user"), "alice");
    CHECK_NULL(gh_route_param(&l.params, "members"));

    /* GH_ROUTE_MAX_PARAMS captures fit ... */
    l = find(p, table, "GET", "/a/1/2/3/4");
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    CHECK(l.found == &table[9]);
    CHECK_INT_EQ(l.params.count, GH_ROUTE_MAX_PARAMS);
    CHECK_STR_EQ(gh_route_param(&l.params, "p1"), "1");
    CHECK_STR_EQ(gh_route_param(&l.params, "p4"), "4");
    /* ... one more never matches rather than overflowing params */
    l = find(p, table, "GET", "/b/1/2/3/4/5");
    CHECK_INT_EQ(l.res, GH_ROUTE_NOT_FOUND);
    CHECK(l.found == NULL);

    /* captures are copies: the caller's path may change afterwards */
    strcpy(path, "/rooms/xyz");
    l = find(p, table, "GET", path);
    CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
    memset(path, 'Q', sizeof(path) - 1);
    CHECK_STR_EQ(gh_route_param(&l.params, "id"), "xyz");

    /* no captures at all */
    {
        gh_route_params_t none;
        none.count = 0;
        CHECK_NULL(gh_route_param(&none, "id"));
    }
}

static void bad_method(apr_pool_t *p)
{
    lookup_t l;

    l = find(p, table, "PUT", "/rooms");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    CHECK_STR_EQ(l.allow, "POST, GET, HEAD");
    CHECK(l.found == NULL);

    l = find(p, table, "DELETE", "/");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    CHECK_STR_EQ(l.allow, "GET, HEAD");

    l = find(p, table, "PATCH", "/rooms/42");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    CHECK_STR_EQ(l.allow, "GET, HEAD, DELETE");
    CHECK(l.found == NULL);

    /* only GET routes answer HEAD */
    l = find(p, table, "HEAD", "/only-post");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    CHECK_STR_EQ(l.allow, "POST");
    l = find(p, table, "GET", "/only-post");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    CHECK_STR_EQ(l.allow, "POST");

    l = find(p, table, "GET", "/rooms/7/members/alice");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    CHECK_STR_EQ(l.allow, "PUT");

    /* methods are case-sensitive */
    l = find(p, table, "get", "/health");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    CHECK_STR_EQ(l.allow, "GET, HEAD");
    l = find(p, table, "", "/health");
    CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
}

static void not_found(apr_pool_t *p)
{
    static const char *const paths[] = {
        "/nope", "", "//", "/rooms/",          /* empty {id} segment */
        "/health/",                            /* trailing slash differs */
        "/rooms/42/",
        "rooms", "/Rooms", "/roomsx", "/room",
        "/rooms//members/alice",               /* empty {id} in the middle */
        "/rooms/7/members/",                   /* empty {user} at the end */
        "/rooms/7/members",                    /* fewer segments */
        "/rooms/42/extra",                     /* more segments than the pattern */
        "/rooms/7/members/alice/x",
        "/health?x=1",
        "/a/1/2/3", "/a/1/2/3/4/5",
    };
    const gh_route_t empty[] = { { NULL, NULL, NULL, 0 } };
    lookup_t l;

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        static const char *const methods[] = { "GET", "PUT", "HEAD" };
        for (size_t m = 0; m < 3; m++) {
            l = find(p, table, methods[m], paths[i]);
            if (!CHECK_INT_EQ(l.res, GH_ROUTE_NOT_FOUND)) {
                fprintf(stderr, "    %s %s\n", methods[m], paths[i]);
            }
            CHECK(l.found == NULL);
            CHECK_STR_EQ(l.allow, SENTINEL);
        }
    }

    l = find(p, empty, "GET", "/");
    CHECK_INT_EQ(l.res, GH_ROUTE_NOT_FOUND);
    CHECK(l.found == NULL);
}

/* Captured segments reach SQL: each must be well-formed UTF-8, or the
 * route is found but refused (GH_ROUTE_BAD_PARAM), whatever the route. */
static void bad_param(apr_pool_t *p)
{
    static const char *const bad[] = {
        "\xff", "\xfe", "x\xffy",
        "\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",   /* overlongs of '/' */
        "\xc1\xbf",                                       /* overlong of U+007F */
        "\xed\xa0\x80", "\xed\xbf\xbf",                    /* surrogates */
        "\x80", "a\xbf",                                   /* lone continuations */
        "\xe2\x82", "\xf0\x9f\x98", "\xc3",                  /* truncated */
        "\xf4\x90\x80\x80",                                /* above U+10FFFF */
        "\xf8\x88\x80\x80\x80",                            /* 5-byte form */
    };
    static const char *const good[] = { "\xc3\xa9", "\xed\x95\x9c\xea\xb8\x80", "\xf0\x9f\x98\x80",
                                        "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf" };
    lookup_t l;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *paths[] = {
            apr_pstrcat(p, "/rooms/", bad[i], NULL),
            apr_pstrcat(p, "/rooms/7/members/", bad[i], NULL),
            apr_pstrcat(p, "/rooms/", bad[i], "/members/alice", NULL),
            apr_pstrcat(p, "/a/1/2/3/", bad[i], NULL),
        };
        const char *methods[] = { "GET", "PUT", "PUT", "GET" };
        const int want[] = { 3, 5, 5, 9 };
        for (size_t k = 0; k < 4; k++) {
            l = find(p, table, methods[k], paths[k]);
            if (!CHECK_INT_EQ(l.res, GH_ROUTE_BAD_PARAM)) {
                fprintf(stderr, "    %s ", methods[k]);
                check_print_str(paths[k]);
                fputc('\n', stderr);
            }
            CHECK(l.found == &table[want[k]]);
            CHECK_INT_EQ(gh_route_index(p, table, methods[k], paths[k]), want[k]);
        }
        /* the method still decides first: a 405 stays a 405 */
        l = find(p, table, "PATCH", paths[0]);
        CHECK_INT_EQ(l.res, GH_ROUTE_BAD_METHOD);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        l = find(p, table, "DELETE", apr_pstrcat(p, "/rooms/", good[i], NULL));
        CHECK_INT_EQ(l.res, GH_ROUTE_FOUND);
        CHECK_STR_EQ(gh_route_param(&l.params, "id"), good[i]);
    }
    /* bytes outside captures never reach a handler: not found, not bad */
    l = find(p, table, "GET", "/rooms\xff");
    CHECK_INT_EQ(l.res, GH_ROUTE_NOT_FOUND);
}

/* The route a request is counted on: the match, else for a 405 the
 * first route of its path, else none. */
static void route_index(apr_pool_t *p)
{
    CHECK_INT_EQ(gh_route_index(p, table, "GET", "/"), 0);
    CHECK_INT_EQ(gh_route_index(p, table, "HEAD", "/rooms"), 2);
    CHECK_INT_EQ(gh_route_index(p, table, "DELETE", "/rooms/7"), 4);
    CHECK_INT_EQ(gh_route_index(p, table, "PATCH", "/rooms/7"), 3);
    CHECK_INT_EQ(gh_route_index(p, table, "GET", "/only-post"), 7);
    CHECK_INT_EQ(gh_route_index(p, table, "GET", "/nowhere"), -1);
    CHECK_INT_EQ(gh_route_index(p, table, "GET", "/rooms/"), -1);
}

void test_route(apr_pool_t *p)
{
    found(p);
    params(p);
    bad_method(p);
    not_found(p);
    bad_param(p);
    route_index(p);
}
