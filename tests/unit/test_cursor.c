/* gh_cursor: cursors round-trip, and nothing but a canonical one parses. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_crypto.h"
#include "gh_cursor.h"

static int parses(apr_pool_t *p, const char *s, apr_int64_t *id)
{
    return gh_cursor_parse(p, s, id) == 0;
}

/* base64url of raw text: a cursor-shaped string that is not one of ours */
static const char *b64(apr_pool_t *p, const char *raw)
{
    return gh_base64_encode(p, (const unsigned char *)raw, strlen(raw), 1);
}

void test_cursor(apr_pool_t *p)
{
    static const apr_int64_t ids[] = { 1, 9, 10, 12345, APR_INT64_C(9223372036854775807) };
    apr_int64_t id = -7;

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        const char *c = gh_cursor_make(p, ids[i]);
        CHECK(parses(p, c, &id));
        CHECK(id == ids[i]);
        CHECK(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
              == strlen(c));
    }
    CHECK_STR_EQ(gh_cursor_make(p, 42), b64(p, "k1:42"));
    CHECK(!parses(p, "", &id));
    CHECK(!parses(p, "abc", &id));
    CHECK(!parses(p, "42", &id));
    CHECK(!parses(p, b64(p, "k1:0"), &id));
    CHECK(!parses(p, b64(p, "k1:-5"), &id));
    CHECK(!parses(p, b64(p, "k1:+5"), &id));
    CHECK(!parses(p, b64(p, "k1:05"), &id));
    CHECK(!parses(p, b64(p, "k1:5 "), &id));
    CHECK(!parses(p, b64(p, "k1:"), &id));
    CHECK(!parses(p, b64(p, "k2:5"), &id));
    CHECK(!parses(p, b64(p, "k1:9223372036854775808"), &id));
    CHECK(!parses(p, gh_base64_encode(p, (const unsigned char *)"k1:5\0", 5, 1), &id));
    CHECK(!parses(p, apr_pstrcat(p, gh_cursor_make(p, 5), "=", NULL), &id));
    CHECK(!parses(p, gh_base64_encode(p, (const unsigned char *)"k1:5", 4, 0), &id));
    CHECK(!parses(p, apr_pstrcat(p, gh_cursor_make(p, 5), "A", NULL), &id));
    {
        char long_one[100];
        memset(long_one, 'A', sizeof(long_one) - 1);
        long_one[sizeof(long_one) - 1] = '\0';
        CHECK(!parses(p, long_one, &id));
    }
}
