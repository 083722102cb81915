/* Pure rules of the money areas. */
#include <string.h>

#include <apr_strings.h>

#include "gh_crypto.h"
#include "gh_money.h"

#define REFERENCE_BYTES 20
#define WON_DIGITS_MAX  15     /* a trillion won and change: far past any bound */

const char *gh_money_reference(apr_pool_t *p, int base32)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char raw[REFERENCE_BYTES];
    char *out;

    if (gh_random_bytes(raw, sizeof(raw)) != 0) {
        return NULL;
    }
    if (!base32) {
        return gh_hex(p, raw, sizeof(raw));
    }
    /* 160 bits as 32 characters of 5 bits, read from a 16-bit window */
    out = apr_palloc(p, REFERENCE_BYTES * 8 / 5 + 1);
    for (int i = 0, bit = 0; i < REFERENCE_BYTES * 8 / 5; i++, bit += 5) {
        int byte = bit / 8;
        unsigned v = (unsigned)raw[byte] << 8 | (byte + 1 < REFERENCE_BYTES ? raw[byte + 1] : 0u);
        out[i] = alphabet[(v >> (11 - bit % 8)) & 31];
    }
    out[REFERENCE_BYTES * 8 / 5] = '\0';
    return out;
}

static int alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int gh_money_token(const char *s, apr_size_t max)
{
    apr_size_t n = 0;

    for (; s[n]; n++) {
        if (n >= max || !(alnum(s[n]) || s[n] == '_' || s[n] == '-')) {
            return 0;
        }
    }
    return n > 0;
}

int gh_money_username_ok(const char *s)
{
    apr_size_t n = 0;

    for (; s[n]; n++) {
        if (n >= 32 || !(alnum(s[n]) || s[n] == '_' || s[n] == '.' || s[n] == '-')) {
            return 0;
        }
    }
    return n >= 3;
}

int gh_money_billing_name_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (*p == '\0' || *p == ' ') {
        return 0;
    }
    while (*p) {
        if (*p >= 0xEA && *p <= 0xED) {
            /* Hangul syllables U+AC00..U+D7A3 are three bytes, EA B0 80
             * to ED 9E A3; each continuation byte is checked before the
             * next is read */
            unsigned cp;
            if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
            if (cp < 0xAC00 || cp > 0xD7A3) {
                return 0;
            }
            p += 3;
        }
        else if (alnum((char)*p) || (*p == ' ' && p[1] != ' ' && p[1] != '\0')) {
            p++;
        }
        else {
            return 0;
        }
    }
    return 1;
}

int gh_money_parse_won(const char *s, apr_int64_t *out)
{
    apr_size_t n = strlen(s), digits = 0, group = 0;
    int commas = strchr(s, ',') != NULL;
    apr_int64_t v = 0;

    if (n == 0 || s[0] == ',' || s[n - 1] == ',') {
        return -1;
    }
    for (apr_size_t i = 0; i < n; i++) {
        if (s[i] == ',') {
            /* the first group has 1 to 3 digits, every later one 3 */
            if ((digits == group && group > 3) || (digits != group && group != 3)) {
                return -1;
            }
            group = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || ++digits > WON_DIGITS_MAX) {
            return -1;
        }
        group++;
        v = v * 10 + (s[i] - '0');
    }
    if (commas && group != 3) {
        return -1;
    }
    *out = v;
    return 0;
}

json_object *gh_money_int(const char *text)
{
    return text ? json_object_new_int64(apr_atoi64(text)) : NULL;
}
