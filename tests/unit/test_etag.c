/* gh_etag: the body's tag, and If-None-Match under RFC 9110's weak
 * comparison. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_etag.h"

#define TAG "\"abc123\""

static void tags(apr_pool_t *p)
{
    const char *t = gh_etag_of(p, "{}", 2);

    /* sha256("{}") */
    CHECK_STR_EQ(t, "\"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\"");
    CHECK_STR_EQ(gh_etag_of(p, "", 0),
                 "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"");
    CHECK(strcmp(gh_etag_of(p, "{\"a\":\"b\"}", 9), t) != 0);
}

static void matches(void)
{
    static const char *const yes[] = {
        TAG, "W/" TAG, "*", " * ", "\t*", "\"x\", " TAG, TAG ", \"x\"", "W/\"x\",W/" TAG,
        ", " TAG, TAG ",", ",,," TAG ",,", " \t" TAG " \t", "\"\", " TAG,
        "\"caf\xc3\xa9\", " TAG, "\"a!#$%&'()*+-./:;<=>?@[]^_`{|}~\"," TAG,
    };
    static const char *const no[] = {
        "", " ", ",", ",,", "\"abc\"", "\"abc1234\"", "\"ABC123\"", "abc123", "w/" TAG,
        "W/ " TAG, "W" TAG, "W//" TAG, TAG "x", "x" TAG, TAG " " TAG, TAG ";" TAG,
        "*, " TAG, TAG ", *", "**", "* *", "\"abc123", "abc123\"", "\"x\" " TAG,
        "\"x y\", " TAG, "\"x\"y\", " TAG, "\"x\x7f\", " TAG, "\"x\x01\", " TAG,
        "\"abc\\\"123\"",
    };

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!CHECK(gh_etag_matches(yes[i], TAG))) {
            fprintf(stderr, "    for %s\n", yes[i]);
        }
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (!CHECK(!gh_etag_matches(no[i], TAG))) {
            fprintf(stderr, "    for %s\n", no[i]);
        }
    }
    CHECK(!gh_etag_matches(NULL, TAG));
    CHECK(!gh_etag_matches("*", NULL));
    CHECK(!gh_etag_matches("*", ""));
    CHECK(gh_etag_matches("W/\"w\"", "\"w\""));
}

void test_etag(apr_pool_t *p)
{
    tags(p);
    matches();
}
