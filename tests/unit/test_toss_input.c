/* gh_toss_input: the Toss unlink callback's userKey and referrer, from a
 * JSON body and from query parameters. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"
#include "gh_toss_input.h"

#define MSG_NOT_OBJECT  "request body must be a JSON object"
#define MSG_KEY_MISSING "userKey is required"
#define MSG_KEY_BAD     "userKey must be a non-negative integer"
#define MSG_REF_STRING  "referrer must be a string"
#define MSG_REF_LEN     "referrer must be 1 to 64 characters"
#define MSG_REF_CHARS   "referrer must be upper-case letters, digits and '_'"
#define MSG_REF_NUL     "referrer must not contain NUL"

#define A64 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static apr_pool_t *g_pool;

/* Parses lit with the module's own parser (so the checks see exactly what
 * the handler would) and runs gh_toss_unlink_from_json on it. */
static const char *from_json(const char *body, size_t len, gh_toss_unlink_t *out)
{
    json_object *obj = NULL;
    const char *err = NULL;

    if (gh_json_parse(g_pool, body, len, &obj, &err) != 0) {
        fprintf(stderr, "    test body does not parse (%s): %s\n", err, body);
        return "(test body does not parse)";
    }
    return gh_toss_unlink_from_json(obj, out);
}
#define FROM_JSON(lit, out) from_json((lit), sizeof(lit) - 1, (out))

/* A result with a recognisable garbage value in each field. */
static gh_toss_unlink_t fresh(void)
{
    gh_toss_unlink_t u;
    u.user_key = -12345;
    u.referrer = "(untouched)";
    return u;
}

static void json_user_key(void)
{
    gh_toss_unlink_t u;

    u = fresh();
    CHECK_NULL(FROM_JSON("{\"userKey\":123}", &u));
    CHECK_INT_EQ(u.user_key, 123);
    CHECK_NULL(u.referrer);

    u = fresh();                               /* the console's test button */
    CHECK_NULL(FROM_JSON("{\"userKey\":0}", &u));
    CHECK_INT_EQ(u.user_key, 0);
    CHECK_NULL(u.referrer);

    u = fresh();
    CHECK_NULL(FROM_JSON("{\"userKey\":9223372036854775807}", &u));
    CHECK_INT_EQ(u.user_key, INT64_MAX);

    u = fresh();                               /* other members are ignored */
    CHECK_NULL(FROM_JSON("{\"extra\":[1,{}],\"userKey\":42,\"x\":null}", &u));
    CHECK_INT_EQ(u.user_key, 42);

    /* every wrong type, and negatives */
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1.0}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1e3}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":0.0}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":-1}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":-9223372036854775808}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":\"123\"}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":\"\"}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":true}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":false}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":null}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":[1]}", &u), MSG_KEY_BAD);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":{\"v\":1}}", &u), MSG_KEY_BAD);

    /* missing (keys are case-sensitive) */
    CHECK_STR_EQ(FROM_JSON("{}", &u), MSG_KEY_MISSING);
    CHECK_STR_EQ(FROM_JSON("{\"userkey\":1}", &u), MSG_KEY_MISSING);
    CHECK_STR_EQ(FROM_JSON("{\"user_key\":1}", &u), MSG_KEY_MISSING);
    CHECK_STR_EQ(FROM_JSON("{\"referrer\":\"UNLINK\"}", &u), MSG_KEY_MISSING);

    /* a body that is not an object */
    CHECK_STR_EQ(FROM_JSON("[{\"userKey\":1}]", &u), MSG_NOT_OBJECT);
    CHECK_STR_EQ(FROM_JSON("123", &u), MSG_NOT_OBJECT);
    CHECK_STR_EQ(FROM_JSON("\"userKey\"", &u), MSG_NOT_OBJECT);
    CHECK_STR_EQ(FROM_JSON("true", &u), MSG_NOT_OBJECT);
    CHECK_STR_EQ(FROM_JSON("null", &u), MSG_NOT_OBJECT);
    CHECK_STR_EQ(gh_toss_unlink_from_json(NULL, &u), MSG_NOT_OBJECT);   /* JSON null */
}

static void json_referrer(void)
{
    gh_toss_unlink_t u;

    u = fresh();                               /* absent */
    CHECK_NULL(FROM_JSON("{\"userKey\":5}", &u));
    CHECK_NULL(u.referrer);

    u = fresh();                               /* null is the same as absent */
    CHECK_NULL(FROM_JSON("{\"userKey\":5,\"referrer\":null}", &u));
    CHECK_INT_EQ(u.user_key, 5);
    CHECK_NULL(u.referrer);

    u = fresh();
    CHECK_NULL(FROM_JSON("{\"userKey\":5,\"referrer\":\"UNLINK\"}", &u));
    CHECK_INT_EQ(u.user_key, 5);
    CHECK_STR_EQ(u.referrer, "UNLINK");
    CHECK(u.referrer && gh_toss_referrer_known(u.referrer));

    u = fresh();
    CHECK_NULL(FROM_JSON("{\"referrer\":\"WITHDRAWAL_TERMS\",\"userKey\":6}", &u));
    CHECK_INT_EQ(u.user_key, 6);
    CHECK_STR_EQ(u.referrer, "WITHDRAWAL_TERMS");

    u = fresh();
    CHECK_NULL(FROM_JSON("{\"userKey\":7,\"referrer\":\"WITHDRAWAL_TOSS\"}", &u));
    CHECK_STR_EQ(u.referrer, "WITHDRAWAL_TOSS");

    /* unknown but well-formed: accepted, and not known */
    u = fresh();
    CHECK_NULL(FROM_JSON("{\"userKey\":8,\"referrer\":\"SOMETHING_NEW_2\"}", &u));
    CHECK_STR_EQ(u.referrer, "SOMETHING_NEW_2");
    CHECK(u.referrer && !gh_toss_referrer_known(u.referrer));

    u = fresh();                               /* 64 characters is the limit */
    CHECK_NULL(FROM_JSON("{\"userKey\":9,\"referrer\":\"" A64 "\"}", &u));
    CHECK_STR_EQ(u.referrer, A64);

    /* malformed */
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"unlink\"}", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"Unlink\"}", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"UN LINK\"}", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"UN-LINK\"}", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"UNLINK\\n\"}", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"\xC3\x9CNLINK\"}", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"\"}", &u), MSG_REF_LEN);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"" A64 "A\"}", &u), MSG_REF_LEN);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":1}", &u), MSG_REF_STRING);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":1.5}", &u), MSG_REF_STRING);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":true}", &u), MSG_REF_STRING);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":[\"UNLINK\"]}", &u), MSG_REF_STRING);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":{}}", &u), MSG_REF_STRING);

    /* a bad userKey is reported before the referrer is looked at */
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":-1,\"referrer\":1}", &u), MSG_KEY_BAD);

    /* a JSON string with \u0000 in it would pass as its C-string prefix, so
     * the referrer is refused when json-c's length differs from strlen */
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"UNLINK\\u0000junk\"}", &u),
                 MSG_REF_NUL);
    /* 129 bytes, but strlen sees only the first 64 */
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"" A64 "\\u0000" A64 "\"}", &u),
                 MSG_REF_NUL);
    /* strlen 0 but length 7: the NUL check runs before gh_toss_referrer_check,
     * so this is refused for the NUL, not by the 1-to-64 length check */
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"\\u0000UNLINK\"}", &u),
                 MSG_REF_NUL);
    CHECK_STR_EQ(FROM_JSON("{\"userKey\":1,\"referrer\":\"\\u0000\"}", &u), MSG_REF_NUL);
}

static void referrer_check_and_known(void)
{
    static const char *const ok[] = {
        "UNLINK", "WITHDRAWAL_TERMS", "WITHDRAWAL_TOSS", "A", "_", "0", "X_1_Y",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789", A64,
    };
    static const struct { const char *ref; const char *msg; } bad[] = {
        { "", MSG_REF_LEN },
        { A64 "A", MSG_REF_LEN },
        { A64 A64, MSG_REF_LEN },
        { "unlink", MSG_REF_CHARS },
        { "UNLINk", MSG_REF_CHARS },
        { " UNLINK", MSG_REF_CHARS },
        { "UNLINK ", MSG_REF_CHARS },
        { "UN-LINK", MSG_REF_CHARS },
        { "UN.LINK", MSG_REF_CHARS },
        { "UNLINK\t", MSG_REF_CHARS },
        { "\xC3\x9C", MSG_REF_CHARS },
        { "@", MSG_REF_CHARS },
        { "[", MSG_REF_CHARS },      /* just after 'Z' */
        { "`", MSG_REF_CHARS },
        { "/", MSG_REF_CHARS },      /* just before '0' */
        { ":", MSG_REF_CHARS },      /* just after '9' */
    };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        CHECK_STR_EQ(gh_toss_referrer_check(ok[i]), NULL);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (!CHECK_STR_EQ(gh_toss_referrer_check(bad[i].ref), bad[i].msg)) {
            fprintf(stderr, "    input: ");
            check_print_str(bad[i].ref);
            fputc('\n', stderr);
        }
    }

    CHECK(gh_toss_referrer_known("UNLINK") != 0);
    CHECK(gh_toss_referrer_known("WITHDRAWAL_TERMS") != 0);
    CHECK(gh_toss_referrer_known("WITHDRAWAL_TOSS") != 0);
    CHECK_INT_EQ(gh_toss_referrer_known("unlink"), 0);
    CHECK_INT_EQ(gh_toss_referrer_known("UNLINK "), 0);
    CHECK_INT_EQ(gh_toss_referrer_known("UNLINKED"), 0);
    CHECK_INT_EQ(gh_toss_referrer_known("UNLIN"), 0);
    CHECK_INT_EQ(gh_toss_referrer_known("WITHDRAWAL"), 0);
    CHECK_INT_EQ(gh_toss_referrer_known("WITHDRAWAL_"), 0);
    CHECK_INT_EQ(gh_toss_referrer_known("WITHDRAWAL_TOSS_"), 0);
    CHECK_INT_EQ(gh_toss_referrer_known(""), 0);
    CHECK_INT_EQ(gh_toss_referrer_known("SOMETHING_NEW"), 0);
}

static void query(void)
{
    gh_toss_unlink_t u;
    char ref[8];

    u = fresh();
    CHECK_STR_EQ(gh_toss_unlink_from_query(NULL, NULL, &u), MSG_KEY_MISSING);
    CHECK_STR_EQ(gh_toss_unlink_from_query(NULL, "UNLINK", &u), MSG_KEY_MISSING);

    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("123", NULL, &u));
    CHECK_INT_EQ(u.user_key, 123);
    CHECK_NULL(u.referrer);

    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("0", NULL, &u));
    CHECK_INT_EQ(u.user_key, 0);
    CHECK_NULL(u.referrer);

    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("007", NULL, &u));
    CHECK_INT_EQ(u.user_key, 7);

    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("9223372036854775807", NULL, &u));
    CHECK_INT_EQ(u.user_key, INT64_MAX);

    /* bad digits */
    {
        static const char *const bad[] = {
            "", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x1", "abc", "12a",
            "9223372036854775808", "18446744073709551616", "%31",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            if (!CHECK_STR_EQ(gh_toss_unlink_from_query(bad[i], NULL, &u), MSG_KEY_BAD)) {
                fprintf(stderr, "    userKey: %s\n", bad[i]);
            }
            CHECK_STR_EQ(gh_toss_unlink_from_query(bad[i], "UNLINK", &u), MSG_KEY_BAD);
        }
    }

    /* referrer: kept by pointer when acceptable */
    strcpy(ref, "UNLINK");
    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("1", ref, &u));
    CHECK_INT_EQ(u.user_key, 1);
    CHECK(u.referrer == ref);
    CHECK(gh_toss_referrer_known(u.referrer) != 0);

    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("2", "WITHDRAWAL_TOSS", &u));
    CHECK_STR_EQ(u.referrer, "WITHDRAWAL_TOSS");

    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("3", "NEW_ONE", &u));
    CHECK_STR_EQ(u.referrer, "NEW_ONE");
    CHECK_INT_EQ(gh_toss_referrer_known(u.referrer), 0);

    u = fresh();
    CHECK_NULL(gh_toss_unlink_from_query("4", A64, &u));
    CHECK_STR_EQ(u.referrer, A64);

    CHECK_STR_EQ(gh_toss_unlink_from_query("1", "", &u), MSG_REF_LEN);
    CHECK_STR_EQ(gh_toss_unlink_from_query("1", A64 "A", &u), MSG_REF_LEN);
    CHECK_STR_EQ(gh_toss_unlink_from_query("1", "unlink", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(gh_toss_unlink_from_query("1", "UNLINK%20", &u), MSG_REF_CHARS);
    CHECK_STR_EQ(gh_toss_unlink_from_query("1", "\xED\x95\x9C", &u), MSG_REF_CHARS);
}

void test_toss_input(apr_pool_t *p)
{
    g_pool = p;
    json_user_key();
    json_referrer();
    referrer_check_and_known();
    query();
}
