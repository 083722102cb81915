/* gh_money: references, tokens, usernames, depositor names, won amounts. */
#include <string.h>

#include "check.h"
#include "suites.h"
#include "gh_money.h"

static void references(apr_pool_t *p)
{
    const char *a = gh_money_reference(p, 1), *b = gh_money_reference(p, 1);
    const char *h = gh_money_reference(p, 0);

    CHECK_INT_EQ((int)strlen(a), 32);
    CHECK_INT_EQ((int)strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
    CHECK(strcmp(a, b) != 0);
    CHECK_INT_EQ((int)strlen(h), 40);
    CHECK_INT_EQ((int)strspn(h, "0123456789abcdef"), 40);
    /* every base32 symbol appears across a few hundred references: no
     * bit of the window is stuck */
    {
        int seen[256] = { 0 }, kinds = 0;
        for (int i = 0; i < 300; i++) {
            for (const char *c = gh_money_reference(p, 1); *c; c++) {
                kinds += !seen[(unsigned char)*c]++;
            }
        }
        CHECK_INT_EQ(kinds, 32);
    }
}

static void tokens(void)
{
    CHECK_INT_EQ(gh_money_token("tgen_20240101ABCD-xyz", 200), 1);
    CHECK_INT_EQ(gh_money_token("a", 1), 1);
    CHECK_INT_EQ(gh_money_token("ab", 1), 0);
    CHECK_INT_EQ(gh_money_token("", 10), 0);
    CHECK_INT_EQ(gh_money_token("a/b", 10), 0);
    CHECK_INT_EQ(gh_money_token("a b", 10), 0);
    CHECK_INT_EQ(gh_money_token("a%2F", 10), 0);
    CHECK_INT_EQ(gh_money_token("\xea\xb0\x80", 10), 0);
}

static void usernames(void)
{
    CHECK_INT_EQ(gh_money_username_ok("test_user"), 1);
    CHECK_INT_EQ(gh_money_username_ok("a.b-c"), 1);
    CHECK_INT_EQ(gh_money_username_ok("abc"), 1);
    CHECK_INT_EQ(gh_money_username_ok("ab"), 0);
    CHECK_INT_EQ(gh_money_username_ok("abcdefghijklmnopqrstuvwxyz012345"), 1);   /* 32 */
    CHECK_INT_EQ(gh_money_username_ok("abcdefghijklmnopqrstuvwxyz0123456"), 0);  /* 33 */
    CHECK_INT_EQ(gh_money_username_ok("bad name"), 0);
    CHECK_INT_EQ(gh_money_username_ok("a/../b"), 0);
    CHECK_INT_EQ(gh_money_username_ok("\xed\x99\x8d\xea\xb8\xb8\xeb\x8f\x99"), 0);
}

static void billing_names(void)
{
    CHECK_INT_EQ(gh_money_billing_name_ok("\xed\x99\x8d\xea\xb8\xb8\xeb\x8f\x99"), 1);  /* 홍길동 */
    CHECK_INT_EQ(gh_money_billing_name_ok("\xea\xb0\x80"), 1);                         /* 가 U+AC00 */
    CHECK_INT_EQ(gh_money_billing_name_ok("\xed\x9e\xa3"), 1);                         /* 힣 U+D7A3 */
    CHECK_INT_EQ(gh_money_billing_name_ok("\xed\x9e\xa4"), 0);                         /* U+D7A4 */
    CHECK_INT_EQ(gh_money_billing_name_ok("\xea\xaf\xbf"), 0);                         /* U+ABFF */
    CHECK_INT_EQ(gh_money_billing_name_ok("\xe3\x84\xb1"), 0);                         /* ㄱ jamo */
    CHECK_INT_EQ(gh_money_billing_name_ok("Hong Gildong 2"), 1);
    CHECK_INT_EQ(gh_money_billing_name_ok("Hong  Gildong"), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok(" Hong"), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok("Hong "), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok(""), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok("Kim\t"), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok("O'Brien"), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok("<script>"), 0);
    /* truncated or broken sequences are refused without reading past them */
    CHECK_INT_EQ(gh_money_billing_name_ok("\xea"), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok("\xea\xb0"), 0);
    CHECK_INT_EQ(gh_money_billing_name_ok("\xea\x41\x80"), 0);
}

static void won(void)
{
    apr_int64_t v = -7;

    CHECK_INT_EQ(gh_money_parse_won("1,000,000", &v), 0);
    CHECK(v == 1000000);
    CHECK_INT_EQ(gh_money_parse_won("50000", &v), 0);
    CHECK(v == 50000);
    CHECK_INT_EQ(gh_money_parse_won("12,345", &v), 0);
    CHECK(v == 12345);
    CHECK_INT_EQ(gh_money_parse_won("999,999,999,999,999", &v), 0);
    CHECK(v == 999999999999999LL);
    v = -7;
    CHECK_INT_EQ(gh_money_parse_won("1,000,000,000,000,000", &v), -1);   /* 16 digits */
    CHECK_INT_EQ(gh_money_parse_won("1234,567", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won("1,00", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won("1,0000", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won(",100", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won("100,", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won("1,,000", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won("", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won("-100", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won("1.5", &v), -1);
    CHECK_INT_EQ(gh_money_parse_won(" 100", &v), -1);
    CHECK(v == -7);                 /* untouched on failure */
}

void test_money(apr_pool_t *p)
{
    references(p);
    tokens();
    usernames();
    billing_names();
    won();
}
