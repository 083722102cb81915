/* gh_rfc3339: RFC 3339 date-times read strictly, and written canonically. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_rfc3339.h"

static int parses(const char *s, apr_time_t *t)
{
    return gh_rfc3339_parse(s, strlen(s), t) == 0;
}

/* s parses to the instant canonical names. */
static void same(apr_pool_t *p, const char *s, const char *canonical)
{
    apr_time_t t = -1;

    if (!CHECK(parses(s, &t))) {
        fprintf(stderr, "    for %s\n", s);
        return;
    }
    CHECK_STR_EQ(gh_rfc3339_format(p, t), canonical);
}

static void reads(apr_pool_t *p)
{
    apr_time_t t = -1;

    CHECK(parses("1970-01-01T00:00:00Z", &t));
    CHECK_INT_EQ(t, 0);
    CHECK(parses("2026-11-30T12:15:00Z", &t));
    CHECK_INT_EQ(t, APR_INT64_C(1796040900) * APR_USEC_PER_SEC);
    same(p, "2026-11-30T21:15:00+09:00", "2026-11-30T12:15:00.000000Z");
    same(p, "2026-11-30t12:15:00z", "2026-11-30T12:15:00.000000Z");
    same(p, "2026-11-30T07:15:00-05:00", "2026-11-30T12:15:00.000000Z");
    same(p, "2026-11-30T12:15:00-00:00", "2026-11-30T12:15:00.000000Z");
    same(p, "2026-12-31T23:30:00-01:00", "2027-01-01T00:30:00.000000Z");
    same(p, "2027-01-01T08:00:00+09:00", "2026-12-31T23:00:00.000000Z");
    same(p, "2026-11-30T12:15:00.5Z", "2026-11-30T12:15:00.500000Z");
    same(p, "2026-11-30T12:15:00.123456Z", "2026-11-30T12:15:00.123456Z");
    same(p, "2026-11-30T12:15:00.1234567899999Z", "2026-11-30T12:15:00.123456Z");
    same(p, "2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000000Z");      /* leap year */
    same(p, "2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000000Z");      /* 400 rule */
    same(p, "2016-12-31T23:59:60Z", "2017-01-01T00:00:00.000000Z");      /* leap second */
    same(p, "1970-01-01T09:00:00+09:00", "1970-01-01T00:00:00.000000Z");
    same(p, "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000000Z");
    same(p, "2026-06-15T12:00:00+23:59", "2026-06-14T12:01:00.000000Z");
    /* the length given bounds the text: a longer buffer is not read past it */
    CHECK(gh_rfc3339_parse("2026-11-30T12:15:00Zjunk", 20, &t) == 0);
}

static void refuses(void)
{
    static const char *const bad[] = {
        "", "2026-11-30", "2026-11-30T12:15", "2026-11-30T12:15:00", "2026-11-30 12:15:00Z",
        "2026-11-30_12:15:00Z", "2026/11/30T12:15:00Z", "26-11-30T12:15:00Z",
        "2026-1-30T12:15:00Z", "2026-11-30T1:15:00Z", "+2026-11-30T12:15:00Z",
        "02026-11-30T12:15:00Z", "2026-00-10T00:00:00Z", "2026-13-10T00:00:00Z",
        "2026-11-00T00:00:00Z", "2026-11-31T00:00:00Z", "2026-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-30T24:00:00Z",
        "2026-11-30T12:60:00Z", "2026-11-30T12:15:61Z", "2026-11-30T12:15:00.Z",
        "2026-11-30T12:15:00.5", "2026-11-30T12:15:00,5Z", "2026-11-30T12:15:00+09",
        "2026-11-30T12:15:00+0900", "2026-11-30T12:15:00+09:0", "2026-11-30T12:15:00+24:00",
        "2026-11-30T12:15:00+09:60", "2026-11-30T12:15:00 Z", "2026-11-30T12:15:00ZZ",
        "2026-11-30T12:15:00Z ", " 2026-11-30T12:15:00Z", "2026-11-30T12:15:00UTC",
        "2026-11-30T12:15:00+-9:00", "2026-11-30T-1:15:00Z", "1969-12-31T23:59:59Z",
        "1970-01-01T00:30:00+01:00", "0000-01-01T00:00:00Z", "abcd-ef-ghTij:kl:mnZ",
        "2026-11-30T12:15:00.5.5Z", "2026-11-30T12:15:00+09:00:00",
    };
    apr_time_t t = 0;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (!CHECK(!parses(bad[i], &t))) {
            fprintf(stderr, "    accepted %s\n", bad[i]);
        }
    }
    CHECK(gh_rfc3339_parse(NULL, 0, &t) != 0);
    CHECK(gh_rfc3339_parse("2026-11-30T12:15:00Z", 19, &t) != 0);    /* cut short */
    CHECK(gh_rfc3339_parse("2026-11-30T12:15:00\0Z", 21, &t) != 0);  /* a NUL inside */
}

void test_rfc3339(apr_pool_t *p)
{
    reads(p);
    refuses();
}
