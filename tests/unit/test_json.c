/* gh_json: pool ownership, the strict parser, the lexer and serialising. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"

#define MSG_EMPTY   "request body is empty"
#define MSG_UTF8    "request body is not valid UTF-8"
#define MSG_JSON    "request body is not valid JSON"
#define MSG_RANGE   "a number in the request body is out of range"

static apr_pool_t *g_pool;   /* the suite's pool, for parse results */

/* Parses a string literal (embedded NULs included) into g_pool. */
#define PARSE(lit, out, err) gh_json_parse(g_pool, (lit), sizeof(lit) - 1, (out), (err))
#define LEX(lit, err) gh_json_lex((lit), sizeof(lit) - 1, (err))

/* Expects lit to be rejected with message msg and *out left NULL. */
#define REJECT(lit, msg) \
    do { \
        json_object *o_ = (json_object *)1; \
        const char *e_ = NULL; \
        CHECK_INT_EQ(PARSE(lit, &o_, &e_), -1); \
        CHECK_STR_EQ(e_, msg); \
        CHECK_NULL(o_); \
    } while (0)

/* Expects lit to parse into an object of json type ty; leaves it in o. */
#define ACCEPT(lit, ty, o) \
    do { \
        const char *e_ = NULL; \
        (o) = NULL; \
        CHECK_INT_EQ(PARSE(lit, &(o), &e_), 0); \
        CHECK_INT_EQ(json_object_get_type(o), (ty)); \
    } while (0)

/* Whether p's cleanups release obj: takes a reference of its own, checks
 * that the pool still holds one, destroys p and checks that its own
 * reference was the last. */
static void check_released_with_pool(apr_pool_t *p, json_object *obj, int clear)
{
    json_object_get(obj);                       /* refcount 2 */
    CHECK_INT_EQ(json_object_put(obj), 0);      /* 1 left: the pool's */
    json_object_get(obj);                       /* 2 again */
    if (clear) {
        apr_pool_clear(p);
    }
    else {
        apr_pool_destroy(p);
    }
    CHECK_INT_EQ(json_object_put(obj), 1);      /* ours was the last */
}

static void ownership(apr_pool_t *parent)
{
    apr_pool_t *p;
    json_object *obj, *got;
    const char *err = NULL;

    /* gh_json_own returns obj and the pool's destruction releases it */
    apr_pool_create(&p, parent);
    obj = json_object_new_array();
    CHECK(gh_json_own(p, obj) == obj);
    check_released_with_pool(p, obj, 0);

    /* clearing the pool releases it too */
    apr_pool_create(&p, parent);
    obj = gh_json_own(p, json_object_new_string("x"));
    check_released_with_pool(p, obj, 1);
    apr_pool_destroy(p);

    /* NULL is passed through and registers nothing */
    apr_pool_create(&p, parent);
    CHECK_NULL(gh_json_own(p, NULL));
    apr_pool_destroy(p);

    /* gh_json_object: a fresh, empty object owned by the pool */
    apr_pool_create(&p, parent);
    obj = gh_json_object(p);
    CHECK_NOT_NULL(obj);
    CHECK_INT_EQ(json_object_get_type(obj), json_type_object);
    CHECK_INT_EQ(json_object_object_length(obj), 0);
    CHECK(gh_json_object(p) != obj);
    check_released_with_pool(p, obj, 0);

    /* what gh_json_parse returns is owned by the pool it was given */
    apr_pool_create(&p, parent);
    got = NULL;
    CHECK_INT_EQ(gh_json_parse(p, "{\"a\":[1,2]}", 11, &got, &err), 0);
    CHECK_NOT_NULL(got);
    if (got) {
        check_released_with_pool(p, got, 0);
    }
    else {
        apr_pool_destroy(p);
    }
}

static void lex(void)
{
    const char *err;

    /* a run of tokens is enough: the structure is json-c's business */
    err = NULL;
    CHECK_INT_EQ(LEX("{}[]:,", &err), 0);
    CHECK_INT_EQ(LEX("\"a\" 1 true false null ] [", &err), 0);
    CHECK_INT_EQ(LEX(" \t\r\n", &err), 0);
    CHECK_INT_EQ(LEX("", &err), 0);
    CHECK_INT_EQ(LEX("-0 0.5 -1.25e+10 1E-3 6.02e23", &err), 0);
    CHECK_INT_EQ(LEX("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"", &err), 0);
    CHECK_INT_EQ(LEX("\"\x7f \xC3\xA9\"", &err), 0);       /* DEL is not a control char */
    CHECK_NULL(err);

    /* what is not an RFC 8259 token */
    static const struct { const char *s; size_t n; } bad[] = {
#define B(lit) { lit, sizeof(lit) - 1 }
        B("'a'"), B("/* c */"), B("// c"), B("# c"), B("NaN"), B("Infinity"),
        B("-Infinity"), B("+1"), B(".5"), B("1."), B("1.e3"), B("1e"), B("1e+"),
        B("-"), B("--1"), B("0x10"), B("TRUE"), B("True"), B("nul"), B("tru"),
        B("fals"), B("undefined"), B("\"abc"), B("\"a\\\""), B("\"\\x41\""),
        B("\"\\a\""), B("\"\\'\""), B("\"\\U0041\""), B("\"\\u12\""),
        B("\"\\u12G4\""), B("\"\\u\""), B("\"\\"), B("\"a\tb\""), B("\"a\nb\""),
        B("\"\x01\""), B("\"\x1f\""), B("\"\0\""), B("\0"), B("1\0"), B("\x0b"),
        B("\x0c"), B("\xC2\xA0"), B("@"), B("="), B(";"),
#undef B
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        if (!CHECK_INT_EQ(gh_json_lex(bad[i].s, bad[i].n, &err), -1)) {
            fprintf(stderr, "    input: ");
            check_print_bytes(bad[i].s, bad[i].n);
            fputc('\n', stderr);
        }
        CHECK_STR_EQ(err, MSG_JSON);
    }

    /* integers must fit int64; non-integers are not range checked */
    err = NULL;
    CHECK_INT_EQ(LEX("9223372036854775807", &err), 0);
    CHECK_INT_EQ(LEX("-9223372036854775808", &err), 0);
    CHECK_INT_EQ(LEX("9223372036854775808.0", &err), 0);
    CHECK_INT_EQ(LEX("9223372036854775808e0", &err), 0);
    CHECK_INT_EQ(LEX("1e400", &err), 0);
    CHECK_NULL(err);
    CHECK_INT_EQ(LEX("9223372036854775808", &err), -1);
    CHECK_STR_EQ(err, MSG_RANGE);
    err = NULL;
    CHECK_INT_EQ(LEX("-9223372036854775809", &err), -1);
    CHECK_STR_EQ(err, MSG_RANGE);
    err = NULL;
    CHECK_INT_EQ(LEX("[1, 18446744073709551616]", &err), -1);
    CHECK_STR_EQ(err, MSG_RANGE);
    err = NULL;
    CHECK_INT_EQ(LEX("99999999999999999999999999", &err), -1);
    CHECK_STR_EQ(err, MSG_RANGE);
    /* a syntax error wins over a range error */
    err = NULL;
    CHECK_INT_EQ(LEX("9223372036854775808 'x'", &err), -1);
    CHECK_STR_EQ(err, MSG_JSON);
    /* the length is respected: the quote past len is not seen */
    err = NULL;
    CHECK_INT_EQ(gh_json_lex("1 \"", 2, &err), 0);
    CHECK_INT_EQ(gh_json_lex("\"ab\"", 3, &err), -1);
}

static void parse_rejects(void)
{
    REJECT("", MSG_EMPTY);
    REJECT("   ", MSG_JSON);
    REJECT("\n", MSG_JSON);

    /* invalid UTF-8, inside and outside strings */
    REJECT("\"\xC3\x28\"", MSG_UTF8);
    REJECT("{\"a\":\"\xED\xA0\x80\"}", MSG_UTF8);       /* surrogate */
    REJECT("{\"a\":\"\xC0\x80\"}", MSG_UTF8);           /* overlong NUL */
    REJECT("{\"a\":\"\xF4\x90\x80\x80\"}", MSG_UTF8);   /* above U+10FFFF */
    REJECT("{\"a\":\"x\xE2\x82\"}", MSG_UTF8);          /* truncated */
    REJECT("\xEF\xBB\xBF{}", MSG_JSON);                 /* a BOM is not JSON */
    REJECT("{\"a\":1}\xFF", MSG_UTF8);

    /* json-c extensions that RFC 8259 does not allow */
    REJECT("{'a':1}", MSG_JSON);
    REJECT("{\"a\":'b'}", MSG_JSON);
    REJECT("{\"a\":1 /* c */}", MSG_JSON);
    REJECT("// c\n{}", MSG_JSON);
    REJECT("{\"a\":1} // c", MSG_JSON);
    REJECT("[NaN]", MSG_JSON);
    REJECT("[Infinity]", MSG_JSON);
    REJECT("[-Infinity]", MSG_JSON);
    REJECT("{\"a\":nan}", MSG_JSON);
    REJECT("[1,]", MSG_JSON);
    REJECT("{\"a\":1,}", MSG_JSON);
    REJECT("[,1]", MSG_JSON);
    REJECT("[1,,2]", MSG_JSON);
    REJECT("{a:1}", MSG_JSON);
    REJECT("{\"a\"}", MSG_JSON);
    REJECT("{\"a\" 1}", MSG_JSON);
    REJECT("[1 2]", MSG_JSON);
    REJECT("[+1]", MSG_JSON);
    REJECT("[.5]", MSG_JSON);
    REJECT("[1.]", MSG_JSON);
    REJECT("[0x10]", MSG_JSON);
    REJECT("TRUE", MSG_JSON);

    /* leading zeros */
    REJECT("01", MSG_JSON);
    REJECT("[01]", MSG_JSON);
    REJECT("{\"userKey\":0123}", MSG_JSON);
    REJECT("0005", MSG_JSON);
    REJECT("{\"userKey\":00012}", MSG_JSON);
    /* also when only zeros follow the first one, and after a minus sign */
    REJECT("00", MSG_JSON);
    REJECT("000", MSG_JSON);
    REJECT("[00]", MSG_JSON);
    REJECT("[0,00]", MSG_JSON);
    REJECT("00.5", MSG_JSON);
    REJECT("{\"userKey\":000}", MSG_JSON);
    REJECT("-01", MSG_JSON);
    REJECT("-00", MSG_JSON);
    REJECT("-0005", MSG_JSON);
    REJECT("[-012]", MSG_JSON);
    REJECT("{\"userKey\":-01}", MSG_JSON);
    REJECT("-01.5", MSG_JSON);

    /* control characters and bad escapes in strings */
    REJECT("\"a\tb\"", MSG_JSON);
    REJECT("\"a\nb\"", MSG_JSON);
    REJECT("\"a\rb\"", MSG_JSON);
    REJECT("\"\x01\"", MSG_JSON);
    REJECT("\"\x1f\"", MSG_JSON);
    REJECT("{\"a\0\":1}", MSG_JSON);
    REJECT("\"\\x41\"", MSG_JSON);
    REJECT("\"\\a\"", MSG_JSON);
    REJECT("\"\\'\"", MSG_JSON);
    REJECT("\"\\u00G0\"", MSG_JSON);
    REJECT("\"\\u00\"", MSG_JSON);
    REJECT("\"\\uDEAD", MSG_JSON);
    REJECT("\"abc", MSG_JSON);

    /* integers beyond int64 (json-c alone would clamp them) */
    REJECT("9223372036854775808", MSG_RANGE);
    REJECT("-9223372036854775809", MSG_RANGE);
    REJECT("{\"userKey\":9223372036854775808}", MSG_RANGE);
    REJECT("[1,18446744073709551616]", MSG_RANGE);

    /* incomplete documents */
    REJECT("{", MSG_JSON);
    REJECT("[", MSG_JSON);
    REJECT("[1", MSG_JSON);
    REJECT("{\"a\":", MSG_JSON);
    REJECT("{\"a\":1", MSG_JSON);
    REJECT("]", MSG_JSON);
    REJECT("}", MSG_JSON);
    REJECT(":", MSG_JSON);
    REJECT(",", MSG_JSON);
    REJECT("-", MSG_JSON);
    REJECT("nul", MSG_JSON);

    /* NUL bytes outside strings */
    REJECT("{}\0", MSG_JSON);
    REJECT("\0{}", MSG_JSON);

    /* trailing data after one complete value; json-c's strict mode reports
     * these itself, so only the failure and *out are pinned down here */
    {
        static const char *const tail[] = { "{}{}", "{} {}", "[1]]", "5 6", "\"a\"\"b\"",
                                            "true false", "{}x", "1true", "{},"};
        for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++) {
            json_object *o = (json_object *)1;
            const char *e = NULL;
            CHECK_INT_EQ(gh_json_parse(g_pool, tail[i], strlen(tail[i]), &o, &e), -1);
            CHECK_NULL(o);
            CHECK_NOT_NULL(e);
        }
    }
}

/* depth: nested arrays "[[...]]" and objects {"a":{"a":...1}} */
static int parse_nested(char open, int levels)
{
    char buf[8 * 64 + 8];
    apr_size_t n = 0;
    json_object *o = NULL;
    const char *e = NULL;

    for (int i = 0; i < levels; i++) {
        if (open == '[') {
            buf[n++] = '[';
        }
        else {
            memcpy(buf + n, "{\"a\":", 5);
            n += 5;
        }
    }
    if (open == '{') {
        buf[n++] = '1';
    }
    for (int i = 0; i < levels; i++) {
        buf[n++] = open == '[' ? ']' : '}';
    }
    return gh_json_parse(g_pool, buf, n, &o, &e);
}

static void parse_depth(void)
{
    CHECK_INT_EQ(parse_nested('[', 1), 0);
    CHECK_INT_EQ(parse_nested('[', 31), 0);
    CHECK_INT_EQ(parse_nested('[', 32), 0);
    CHECK_INT_EQ(parse_nested('[', 33), -1);
    CHECK_INT_EQ(parse_nested('[', 64), -1);
    CHECK_INT_EQ(parse_nested('{', 1), 0);
    CHECK_INT_EQ(parse_nested('{', 31), 0);
    CHECK_INT_EQ(parse_nested('{', 33), -1);
    CHECK_INT_EQ(parse_nested('{', 64), -1);
}

static void parse_accepts(void)
{
    json_object *o, *v;
    const char *e;

    /* bare values at the top level */
    ACCEPT("5", json_type_int, o);
    CHECK_INT_EQ(json_object_get_int64(o), 5);
    ACCEPT(" 5 ", json_type_int, o);
    CHECK_INT_EQ(json_object_get_int64(o), 5);
    ACCEPT("0", json_type_int, o);
    CHECK_INT_EQ(json_object_get_int64(o), 0);
    ACCEPT("-0", json_type_int, o);
    CHECK_INT_EQ(json_object_get_int64(o), 0);
    ACCEPT("-42", json_type_int, o);
    CHECK_INT_EQ(json_object_get_int64(o), -42);
    ACCEPT("\"x\"", json_type_string, o);
    CHECK_STR_EQ(json_object_get_string(o), "x");
    ACCEPT("true", json_type_boolean, o);
    CHECK_INT_EQ(json_object_get_boolean(o), 1);
    ACCEPT("false", json_type_boolean, o);
    CHECK_INT_EQ(json_object_get_boolean(o), 0);
    ACCEPT("[]", json_type_array, o);
    CHECK_INT_EQ(json_object_array_length(o), 0);
    ACCEPT("{}", json_type_object, o);
    CHECK_INT_EQ(json_object_object_length(o), 0);
    {
        /* the JSON null parses, as a NULL object */
        const char *err = NULL;
        o = (json_object *)1;
        CHECK_INT_EQ(gh_json_parse(g_pool, "null", 4, &o, &err), 0);
        CHECK_NULL(o);
        o = (json_object *)1;
        CHECK_INT_EQ(gh_json_parse(g_pool, " null\n", 6, &o, &err), 0);
        CHECK_NULL(o);
        CHECK_INT_EQ(gh_json_parse(g_pool, "null null", 9, &o, &err), -1);
        CHECK_STR_EQ(err, MSG_JSON);
    }

    /* integer limits */
    ACCEPT("9223372036854775807", json_type_int, o);
    CHECK_INT_EQ(json_object_get_int64(o), INT64_MAX);
    ACCEPT("-9223372036854775808", json_type_int, o);
    CHECK(json_object_get_int64(o) == INT64_MIN);
    ACCEPT("[9223372036854775807,-9223372036854775808]", json_type_array, o);
    CHECK_INT_EQ(json_object_get_int64(json_object_array_get_idx(o, 0)), INT64_MAX);
    CHECK(json_object_get_int64(json_object_array_get_idx(o, 1)) == INT64_MIN);

    /* 1.0 and 1e3 are valid JSON, typed as doubles */
    ACCEPT("1.0", json_type_double, o);
    CHECK(json_object_get_double(o) == 1.0);
    ACCEPT("1e3", json_type_double, o);
    CHECK(json_object_get_double(o) == 1000.0);
    ACCEPT("1E+2", json_type_double, o);
    CHECK(json_object_get_double(o) == 100.0);
    ACCEPT("-0.5", json_type_double, o);
    CHECK(json_object_get_double(o) == -0.5);
    ACCEPT("2.5e-1", json_type_double, o);
    CHECK(json_object_get_double(o) == 0.25);
    ACCEPT("1e007", json_type_double, o);               /* exponents may have them */
    CHECK(json_object_get_double(o) == 1e7);
    ACCEPT("9223372036854775808.0", json_type_double, o);
    CHECK(json_object_get_double(o) == 9223372036854775808.0);

    /* whitespace around the value */
    ACCEPT(" \t\r\n{} \t\r\n", json_type_object, o);
    ACCEPT("{}\n", json_type_object, o);

    /* escapes */
    ACCEPT("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", json_type_string, o);
    CHECK_STR_EQ(json_object_get_string(o), "\"\\/\b\f\n\r\t");
    ACCEPT("\"\\u0041\\u00e9\\u00E9\"", json_type_string, o);
    CHECK_STR_EQ(json_object_get_string(o), "A\xC3\xA9\xC3\xA9");
    ACCEPT("\"\\uD55C\\uAE00\"", json_type_string, o);              /* Korean */
    CHECK_STR_EQ(json_object_get_string(o), "\xED\x95\x9C\xEA\xB8\x80");
    ACCEPT("\"\\uD83D\\uDE00\"", json_type_string, o);              /* pair */
    CHECK_STR_EQ(json_object_get_string(o), "\xF0\x9F\x98\x80");
    ACCEPT("\"a\\u0000b\"", json_type_string, o);
    CHECK_MEM_EQ(json_object_get_string(o), (size_t)json_object_get_string_len(o),
                 "a\0b", (size_t)3);
    /* raw UTF-8 comes through unchanged */
    ACCEPT("\"\xEC\x95\x88\xEB\x85\x95 \xF0\x9F\x98\x80\"", json_type_string, o);
    CHECK_STR_EQ(json_object_get_string(o), "\xEC\x95\x88\xEB\x85\x95 \xF0\x9F\x98\x80");

    /* a parsed object really contains what was sent */
    ACCEPT("{\"userKey\":123,\"referrer\":\"UNLINK\",\"name\":\"\xED\x95\x9C\xEA\xB8\x80\","
           "\"nested\":{\"list\":[1,2.5,true,null,\"s\"],\"empty\":{}},\"neg\":-7}",
           json_type_object, o);
    CHECK_INT_EQ(json_object_object_length(o), 5);
    CHECK(json_object_object_get_ex(o, "userKey", &v) && json_object_is_type(v, json_type_int));
    CHECK_INT_EQ(json_object_get_int64(v), 123);
    CHECK(json_object_object_get_ex(o, "referrer", &v));
    CHECK_STR_EQ(json_object_get_string(v), "UNLINK");
    CHECK(json_object_object_get_ex(o, "name", &v));
    CHECK_STR_EQ(json_object_get_string(v), "\xED\x95\x9C\xEA\xB8\x80");
    CHECK(json_object_object_get_ex(o, "neg", &v));
    CHECK_INT_EQ(json_object_get_int64(v), -7);
    CHECK(json_object_object_get_ex(o, "nested", &v) && json_object_is_type(v, json_type_object));
    {
        json_object *list = NULL, *empty = NULL;
        CHECK(json_object_object_get_ex(v, "list", &list));
        CHECK(json_object_object_get_ex(v, "empty", &empty));
        CHECK_INT_EQ(json_object_get_type(empty), json_type_object);
        CHECK_INT_EQ(json_object_array_length(list), 5);
        CHECK_INT_EQ(json_object_get_int64(json_object_array_get_idx(list, 0)), 1);
        CHECK(json_object_get_double(json_object_array_get_idx(list, 1)) == 2.5);
        CHECK_INT_EQ(json_object_get_boolean(json_object_array_get_idx(list, 2)), 1);
        CHECK_NULL(json_object_array_get_idx(list, 3));
        CHECK_STR_EQ(json_object_get_string(json_object_array_get_idx(list, 4)), "s");
    }
    CHECK(!json_object_object_get_ex(o, "missing", NULL));

    /* only len bytes are parsed: what follows is not looked at */
    o = NULL;
    e = NULL;
    CHECK_INT_EQ(gh_json_parse(g_pool, "{\"a\":1}garbage", 7, &o, &e), 0);
    CHECK_INT_EQ(json_object_get_type(o), json_type_object);
    {
        static const char five[1] = { '5' };   /* not NUL-terminated */
        o = NULL;
        CHECK_INT_EQ(gh_json_parse(g_pool, five, sizeof(five), &o, &e), 0);
        CHECK_INT_EQ(json_object_get_int64(o), 5);
    }
    o = NULL;
    e = NULL;
    CHECK_INT_EQ(gh_json_parse(g_pool, "[1,2]", 4, &o, &e), -1);   /* "[1,2" */
    CHECK_STR_EQ(e, MSG_JSON);
}

static void serialize(void)
{
    apr_size_t len = 0;
    const char *s;
    json_object *o = gh_json_object(g_pool), *arr = json_object_new_array(), *back = NULL;
    const char *e = NULL;

    json_object_object_add(o, "a", json_object_new_string("x/y"));
    json_object_array_add(arr, json_object_new_int64(1));
    json_object_array_add(arr, json_object_new_double(2.5));
    json_object_array_add(arr, json_object_new_boolean(1));
    json_object_array_add(arr, NULL);
    json_object_array_add(arr, json_object_new_int64(INT64_MIN));
    json_object_object_add(o, "b", arr);
    json_object_object_add(o, "k", json_object_new_string("\xED\x95\x9C \"q\" \\ \n\t\x01"));
    json_object_object_add(o, "e", json_object_new_object());

    s = gh_json_serialize(o, &len);
    CHECK_STR_EQ(s, "{\"a\":\"x/y\",\"b\":[1,2.5,true,null,-9223372036854775808],"
                    "\"k\":\"\xED\x95\x9C \\\"q\\\" \\\\ \\n\\t\\u0001\",\"e\":{}}");
    CHECK_INT_EQ(len, strlen(s));

    /* what it writes, the parser takes back unchanged */
    CHECK_INT_EQ(gh_json_parse(g_pool, s, len, &back, &e), 0);
    CHECK(back != NULL && json_object_equal(o, back));

    /* embedded NUL is escaped, so the length covers it all */
    len = 0;
    s = gh_json_serialize(gh_json_own(g_pool, json_object_new_string_len("a\0b", 3)), &len);
    CHECK_STR_EQ(s, "\"a\\u0000b\"");
    CHECK_INT_EQ(len, 10);

    len = 0;
    s = gh_json_serialize(gh_json_own(g_pool, json_object_new_int64(-5)), &len);
    CHECK_STR_EQ(s, "-5");
    CHECK_INT_EQ(len, 2);
}

/* gh_json_int on the member "n" of the JSON text body. */
static int int_of(const char *body, apr_int64_t min, apr_int64_t max, apr_int64_t *out)
{
    json_object *o = NULL;
    const char *e;

    if (gh_json_parse(g_pool, body, strlen(body), &o, &e) != 0) {
        return -2;
    }
    return gh_json_int(o, "n", min, max, out);
}

static void integers(void)
{
    apr_int64_t v = -7;

    /* the bounds are inclusive */
    CHECK(int_of("{\"n\":1000}", 1000, 5000000, &v) == 0 && v == 1000);
    CHECK(int_of("{\"n\":5000000}", 1000, 5000000, &v) == 0 && v == 5000000);
    CHECK(int_of("{\"n\":-0}", 0, 0, &v) == 0 && v == 0);
    CHECK(int_of("{\"n\":-9223372036854775808}", INT64_MIN, INT64_MIN, &v) == 0 && v == INT64_MIN);
    CHECK(int_of("{\"n\":9223372036854775807}", 1, INT64_MAX, &v) == 0 && v == INT64_MAX);
    v = -7;
    CHECK_INT_EQ(int_of("{\"n\":999}", 1000, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"n\":5000001}", 1000, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"n\":-1000}", 1000, 5000000, &v), -1);
    CHECK_INT_EQ(v, -7);                                    /* nothing written */
    /* only an integer token is an integer */
    CHECK_INT_EQ(int_of("{\"n\":1000.0}", 1, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"n\":1e3}", 1, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"n\":\"1000\"}", 1, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"n\":true}", 0, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"n\":null}", 0, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"n\":[1000]}", 0, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{\"N\":1000}", 0, 5000000, &v), -1);
    CHECK_INT_EQ(int_of("{}", 0, 5000000, &v), -1);
    CHECK_INT_EQ(gh_json_int(NULL, "n", 0, 1, &v), -1);
    CHECK_INT_EQ(v, -7);
}

void test_json(apr_pool_t *p)
{
    g_pool = p;
    ownership(p);
    lex();
    parse_rejects();
    parse_depth();
    parse_accepts();
    serialize();
    integers();
}
