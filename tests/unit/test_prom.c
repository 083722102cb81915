/* gh_prom: histogram bucket choice, label escaping, status classes and
 * the layout fingerprint of the metrics. */
#include <string.h>

#include "check.h"
#include "suites.h"
#include "gh_prom.h"

static void buckets(void)
{
    static const apr_int64_t bounds[] = { 1, 2, 4, 8 };

    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, -5), 0);
    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, 0), 0);
    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, 1), 0);      /* le is inclusive */
    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, 2), 1);
    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, 3), 2);
    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, 8), 3);
    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, 9), 4);      /* +Inf */
    CHECK_INT_EQ(gh_prom_bucket(bounds, 4, APR_INT64_MAX), 4);
    CHECK_INT_EQ(gh_prom_bucket(bounds, 0, 1), 0);
}

static void labels(apr_pool_t *p)
{
    const char *plain = "/rooms/{id}";

    CHECK(gh_prom_label(p, plain) == plain);            /* nothing to copy */
    CHECK_STR_EQ(gh_prom_label(p, ""), "");
    CHECK_STR_EQ(gh_prom_label(p, "a\"b"), "a\\\"b");
    CHECK_STR_EQ(gh_prom_label(p, "a\\b"), "a\\\\b");
    CHECK_STR_EQ(gh_prom_label(p, "a\nb"), "a\\nb");
    CHECK_STR_EQ(gh_prom_label(p, "\\\"\n"), "\\\\\\\"\\n");
    CHECK_STR_EQ(gh_prom_label(p, "홍\t길동"), "홍\t길동");  /* UTF-8 and tabs stay */
}

static void classes(void)
{
    CHECK_INT_EQ(gh_prom_status_class(101), 0);
    CHECK_INT_EQ(gh_prom_status_class(200), 1);
    CHECK_INT_EQ(gh_prom_status_class(399), 2);
    CHECK_INT_EQ(gh_prom_status_class(404), 3);
    CHECK_INT_EQ(gh_prom_status_class(599), 4);
    CHECK_INT_EQ(gh_prom_status_class(99), -1);
    CHECK_INT_EQ(gh_prom_status_class(600), -1);
    CHECK_INT_EQ(gh_prom_status_class(0), -1);
}

static void fingerprint(void)
{
    apr_uint64_t ab = gh_prom_hash(gh_prom_hash(GH_PROM_HASH_SEED, "a"), "b");

    /* FNV-1a of "" (one NUL byte): a published value */
    CHECK(gh_prom_hash(GH_PROM_HASH_SEED, "") == APR_UINT64_C(0xaf63bd4c8601b7df));
    CHECK(ab == gh_prom_hash(gh_prom_hash(GH_PROM_HASH_SEED, "a"), "b"));
    /* the NUL separates: ("ab", "") is another table than ("a", "b") */
    CHECK(ab != gh_prom_hash(gh_prom_hash(GH_PROM_HASH_SEED, "ab"), ""));
    CHECK(ab != gh_prom_hash(gh_prom_hash(GH_PROM_HASH_SEED, "b"), "a"));
}

void test_prom(apr_pool_t *p)
{
    buckets();
    labels(p);
    classes();
    fingerprint();
}
