/* libFuzzer target: the parsers of what users and Payaction send, against
 * independent reference models.
 *  - gh_money_billing_name_ok: decode the input as UTF-8 from scratch and
 *    accept only Hangul syllables, ASCII letters and digits, and single
 *    spaces that neither start nor end the name.
 *  - gh_money_parse_won: split on commas; accept plain digits, or a first
 *    group of 1-3 digits and later groups of exactly 3; at most 15 digits.
 * The input is cut at its first NUL, as a C string would be. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_money.h"

static int ref_billing(const unsigned char *s, size_t n)
{
    size_t i = 0;
    int prev_space = 1;            /* a leading space is refused */

    if (n == 0) {
        return 0;
    }
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            int ok = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
            if (c == ' ') {
                if (prev_space) {
                    return 0;
                }
                prev_space = 1;
            }
            else if (!ok) {
                return 0;
            }
            else {
                prev_space = 0;
            }
            i++;
            continue;
        }
        /* only three-byte sequences can be Hangul syllables */
        if ((c & 0xF0) != 0xE0 || n - i < 3 || (s[i + 1] & 0xC0) != 0x80
            || (s[i + 2] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c & 0x0F) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu);
        if (c < 0xAC00 || c > 0xD7A3) {
            return 0;
        }
        prev_space = 0;
        i += 3;
    }
    return !prev_space;            /* nor a trailing one */
}

static int ref_won(const char *s, size_t n, apr_int64_t *out)
{
    size_t digits = 0, start = 0, groups = 0;
    apr_int64_t v = 0;

    if (n == 0) {
        return -1;
    }
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == ',') {
            size_t len = i - start;
            if (len == 0 || (groups == 0 && len > 3 && i < n) || (groups > 0 && len != 3)) {
                return -1;
            }
            groups++;
            start = i + 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
        if (++digits > 15) {
            return -1;
        }
    }
    *out = v;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    char *s = apr_pstrmemdup(p, (const char *)data, size);
    size_t n = strlen(s);
    apr_int64_t got = -1, want = -1;
    int rg, rw;

    REQUIRE(gh_money_billing_name_ok(s) == ref_billing((const unsigned char *)s, n));
    rg = gh_money_parse_won(s, &got);
    rw = ref_won(s, n, &want);
    REQUIRE(rg == rw);
    REQUIRE(rg != 0 || got == want);
    apr_pool_clear(p);
    return 0;
}
