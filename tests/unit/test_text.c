/* gh_text: gh_utf8_valid, gh_parse_int64_dec and gh_pg_array. */
#include <stdint.h>

#include "check.h"
#include "suites.h"
#include "gh_text.h"

/* Validity of a string literal, embedded NULs included. */
#define UTF8(lit) gh_utf8_valid((lit), sizeof(lit) - 1)

static void utf8_valid_input(void)
{
    char ascii[128];

    CHECK_INT_EQ(gh_utf8_valid("", 0), 1);
    CHECK_INT_EQ(UTF8("hello, world"), 1);
    for (int i = 0; i < 127; i++) {
        ascii[i] = (char)(i + 1);                 /* 0x01..0x7F */
    }
    CHECK_INT_EQ(gh_utf8_valid(ascii, 127), 1);

    /* 2 bytes: U+0080, U+00E9, U+07FF */
    CHECK_INT_EQ(UTF8("\xC2\x80"), 1);
    CHECK_INT_EQ(UTF8("caf\xC3\xA9"), 1);
    CHECK_INT_EQ(UTF8("\xDF\xBF"), 1);
    /* 3 bytes: U+0800, U+20AC, U+D7FF, U+E000, U+FFFD, U+FFFF */
    CHECK_INT_EQ(UTF8("\xE0\xA0\x80"), 1);
    CHECK_INT_EQ(UTF8("\xE2\x82\xAC"), 1);
    CHECK_INT_EQ(UTF8("\xED\x9F\xBF"), 1);
    CHECK_INT_EQ(UTF8("\xEE\x80\x80"), 1);
    CHECK_INT_EQ(UTF8("\xEF\xBF\xBD"), 1);
    CHECK_INT_EQ(UTF8("\xEF\xBF\xBF"), 1);
    /* 4 bytes: U+10000, U+1F600, U+10FFFF */
    CHECK_INT_EQ(UTF8("\xF0\x90\x80\x80"), 1);
    CHECK_INT_EQ(UTF8("\xF0\x9F\x98\x80"), 1);
    CHECK_INT_EQ(UTF8("\xF4\x8F\xBF\xBF"), 1);
    /* Korean, and Korean mixed with ASCII and an emoji */
    CHECK_INT_EQ(UTF8("\xEC\x95\x88\xEB\x85\x95\xED\x95\x98\xEC\x84\xB8\xEC\x9A\x94"), 1);
    CHECK_INT_EQ(UTF8("user \xED\x95\x9C\xEA\xB8\x80 \xF0\x9F\x98\x80!"), 1);
    /* An embedded NUL is a valid code point when the length says so. */
    CHECK_INT_EQ(UTF8("a\0b"), 1);
    CHECK_INT_EQ(UTF8("\0"), 1);
    CHECK_INT_EQ(UTF8("\xC3\xA9\0\xC3\xA9"), 1);
}

static void utf8_invalid_input(void)
{
    /* overlong encodings */
    CHECK_INT_EQ(UTF8("\xC0\x80"), 0);
    CHECK_INT_EQ(UTF8("\xC0\xAF"), 0);
    CHECK_INT_EQ(UTF8("\xC1\xBF"), 0);
    CHECK_INT_EQ(UTF8("\xE0\x80\x80"), 0);
    CHECK_INT_EQ(UTF8("\xE0\x9F\xBF"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x80\x80\x80"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x8F\xBF\xBF"), 0);
    /* UTF-16 surrogates U+D800, U+DBFF, U+DC00, U+DFFF, and a CESU pair */
    CHECK_INT_EQ(UTF8("\xED\xA0\x80"), 0);
    CHECK_INT_EQ(UTF8("\xED\xAF\xBF"), 0);
    CHECK_INT_EQ(UTF8("\xED\xB0\x80"), 0);
    CHECK_INT_EQ(UTF8("\xED\xBF\xBF"), 0);
    CHECK_INT_EQ(UTF8("\xED\xA0\xBD\xED\xB8\x80"), 0);
    /* above U+10FFFF, and lead bytes that cannot occur */
    CHECK_INT_EQ(UTF8("\xF4\x90\x80\x80"), 0);
    CHECK_INT_EQ(UTF8("\xF5\x80\x80\x80"), 0);
    CHECK_INT_EQ(UTF8("\xF7\xBF\xBF\xBF"), 0);
    CHECK_INT_EQ(UTF8("\xF8\x88\x80\x80\x80"), 0);
    CHECK_INT_EQ(UTF8("\xFC\x84\x80\x80\x80\x80"), 0);
    CHECK_INT_EQ(UTF8("\xFE"), 0);
    CHECK_INT_EQ(UTF8("\xFF"), 0);
    /* sequences cut short by the end of the buffer */
    CHECK_INT_EQ(UTF8("\xC3"), 0);
    CHECK_INT_EQ(UTF8("abc\xC3"), 0);
    CHECK_INT_EQ(UTF8("\xE2\x82"), 0);
    CHECK_INT_EQ(UTF8("abc\xE2"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x9F\x98"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x9F"), 0);
    CHECK_INT_EQ(UTF8("\xF0"), 0);
    /* ... and cut short by the given length, not by the data */
    CHECK_INT_EQ(gh_utf8_valid("\xC3\xA9", 1), 0);
    CHECK_INT_EQ(gh_utf8_valid("\xE2\x82\xAC", 2), 0);
    CHECK_INT_EQ(gh_utf8_valid("\xF0\x9F\x98\x80", 3), 0);
    CHECK_INT_EQ(gh_utf8_valid("ok\xFF", 2), 1);   /* the 0xFF is past len */
    /* sequences cut short by a non-continuation byte */
    CHECK_INT_EQ(UTF8("\xC3\x28"), 0);
    CHECK_INT_EQ(UTF8("\xC3" "A"), 0);
    CHECK_INT_EQ(UTF8("\xE2\x28\xA1"), 0);
    CHECK_INT_EQ(UTF8("\xE2\x82\x28"), 0);
    CHECK_INT_EQ(UTF8("\xE2\x82" "A"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x28\x8C\xBC"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x9F\x28\x80"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x9F\x98\x28"), 0);
    CHECK_INT_EQ(UTF8("\xE2\x82\xC3\xA9"), 0);
    CHECK_INT_EQ(UTF8("\xC3\0"), 0);
    /* lone continuation bytes */
    CHECK_INT_EQ(UTF8("\x80"), 0);
    CHECK_INT_EQ(UTF8("\xBF"), 0);
    CHECK_INT_EQ(UTF8("a\x80" "b"), 0);
    CHECK_INT_EQ(UTF8("\xC3\xA9\xA9"), 0);
    CHECK_INT_EQ(UTF8("\xF0\x9F\x98\x80\x80"), 0);
    /* invalid after a long valid prefix */
    CHECK_INT_EQ(UTF8("\xEC\x95\x88\xEB\x85\x95 hello \xED\xA0\x80"), 0);
}

static void parse_int64_accepts(void)
{
    apr_int64_t v;

    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("0", &v), 0);
    CHECK_INT_EQ(v, 0);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("7", &v), 0);
    CHECK_INT_EQ(v, 7);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("007", &v), 0);
    CHECK_INT_EQ(v, 7);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("000", &v), 0);
    CHECK_INT_EQ(v, 0);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("1234567890", &v), 0);
    CHECK_INT_EQ(v, 1234567890);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("4294967296", &v), 0);    /* 2^32 */
    CHECK_INT_EQ(v, 4294967296LL);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("922337203685477580", &v), 0);
    CHECK_INT_EQ(v, 922337203685477580LL);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("9223372036854775799", &v), 0);
    CHECK_INT_EQ(v, 9223372036854775799LL);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("9223372036854775806", &v), 0);
    CHECK_INT_EQ(v, INT64_MAX - 1);
    v = -1;
    CHECK_INT_EQ(gh_parse_int64_dec("9223372036854775807", &v), 0);
    CHECK_INT_EQ(v, INT64_MAX);
    v = -1;   /* 20 characters, but leading zeros do not change the value */
    CHECK_INT_EQ(gh_parse_int64_dec("09223372036854775807", &v), 0);
    CHECK_INT_EQ(v, INT64_MAX);
}

static void parse_int64_rejects(void)
{
    static const char *const bad[] = {
        "", "-1", "-0", "+1", " 1", "1 ", "\t1", "1\n", "1.0", "1e3", "0x1",
        "1a", "a1", "1,000", "1_000", "\xD9\xA3" /* Arabic-Indic three */,
        "9223372036854775808",           /* INT64_MAX + 1 */
        "9223372036854775810",
        "9999999999999999999",           /* 19 digits, too big */
        "18446744073709551615",          /* UINT64_MAX */
        "18446744073709551616",          /* UINT64_MAX + 1: wraps if unchecked */
        "10000000000000000000",          /* 20 digits */
        "99999999999999999999",
        "36893488147419103232",          /* 2^65: wraps to 0 if unchecked */
        "184467440737095516160",
    };
    apr_int64_t v;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 42;
        if (!CHECK_INT_EQ(gh_parse_int64_dec(bad[i], &v), -1)) {
            fprintf(stderr, "    input: ");
            check_print_str(bad[i]);
            fprintf(stderr, " parsed as %lld\n", (long long)v);
        }
    }
    v = 42;
    CHECK_INT_EQ(gh_parse_int64_dec(NULL, &v), -1);
}

/* Array literals are bound as one parameter: quoting and escaping must
 * keep every element whole, and NULL must stay the SQL NULL. */
static void pg_array_literals(apr_pool_t *p)
{
    const char *none[1] = { NULL };
    const char *keys[] = { "1234567890", "0", "9223372036854775807" };
    const char *mixed[] = { "UNLINK", NULL, "" };
    const char *hostile[] = { "a\"b", "c\\d", "{x,y}", "NULL", " sp ", "\"\\\"" };
    const char *korean[] = { "\xea\xb3\xb5\xec\xa7\x80" };

    CHECK_STR_EQ(gh_pg_array(p, none, 0), "{}");
    CHECK_STR_EQ(gh_pg_array(p, none, 1), "{NULL}");
    CHECK_STR_EQ(gh_pg_array(p, keys, 3), "{\"1234567890\",\"0\",\"9223372036854775807\"}");
    CHECK_STR_EQ(gh_pg_array(p, mixed, 3), "{\"UNLINK\",NULL,\"\"}");
    /* '"' and '\\' are escaped; braces, commas, the word NULL and spaces
     * are safe inside quotes */
    CHECK_STR_EQ(gh_pg_array(p, hostile, 6),
                 "{\"a\\\"b\",\"c\\\\d\",\"{x,y}\",\"NULL\",\" sp \",\"\\\"\\\\\\\"\"}");
    CHECK_STR_EQ(gh_pg_array(p, korean, 1), "{\"\xea\xb3\xb5\xec\xa7\x80\"}");
}

/* Field limits count characters, and C1 controls are controls too. */
static void utf8_length_and_controls(void)
{
    CHECK_INT_EQ(gh_utf8_length(""), 0);
    CHECK_INT_EQ(gh_utf8_length("abc"), 3);
    CHECK_INT_EQ(gh_utf8_length("\xea\xb3\xb5\xec\xa7\x80"), 2);          /* 공지 */
    CHECK_INT_EQ(gh_utf8_length("a\xc3\xa9\xf0\x9f\x98\x80"), 3);          /* a é 😀 */
    CHECK_INT_EQ(gh_has_control("plain text, 공지"), 0);
    CHECK_INT_EQ(gh_has_control("tab\there"), 1);
    CHECK_INT_EQ(gh_has_control("del\x7f"), 1);
    CHECK_INT_EQ(gh_has_control("next\xc2\x85line"), 1);                    /* U+0085 */
    CHECK_INT_EQ(gh_has_control("\xc2\x9f"), 1);                            /* U+009F */
    CHECK_INT_EQ(gh_has_control("\xc2\xa0nbsp"), 0);                        /* U+00A0 */
    CHECK_INT_EQ(gh_has_control("\xc3\x85"), 0);                            /* Å */
    /* multi-line text: tab, LF and CR are its own, every other control is not */
    CHECK_INT_EQ(gh_has_control_text("두 줄\r\n\t글"), 0);
    CHECK_INT_EQ(gh_has_control("두 줄\n"), 1);
    CHECK_INT_EQ(gh_has_control_text("bell\a"), 1);
    CHECK_INT_EQ(gh_has_control_text("esc\x1b[0m"), 1);
    CHECK_INT_EQ(gh_has_control_text("vt\v"), 1);
    CHECK_INT_EQ(gh_has_control_text("del\x7f"), 1);
    CHECK_INT_EQ(gh_has_control_text("next\xc2\x85line"), 1);
    CHECK_INT_EQ(gh_has_control_text("\xc2\xa0nbsp"), 0);
}

void test_text(apr_pool_t *p)
{
    utf8_valid_input();
    utf8_invalid_input();
    parse_int64_accepts();
    parse_int64_rejects();
    pg_array_literals(p);
    utf8_length_and_controls();
}
