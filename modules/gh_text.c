/* UTF-8 validation and strict decimal parsing for request input. */
#include <string.h>

#include "gh_text.h"

int gh_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;

    while (p < end) {
        unsigned char c = *p;
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;   /* bounds of the 2nd byte */

        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;          /* overlong */
            if (c == 0xED) hi = 0x9F;          /* surrogates */
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;          /* overlong */
            if (c == 0xF4) hi = 0x8F;          /* above U+10FFFF */
        }
        else {
            return 0;
        }
        if ((size_t)(end - p) <= need) {
            return 0;
        }
        if (p[1] < lo || p[1] > hi) {
            return 0;
        }
        for (size_t i = 2; i <= need; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                return 0;
            }
        }
        p += need + 1;
    }
    return 1;
}

apr_size_t gh_utf8_length(const char *s)
{
    apr_size_t n = 0;

    for (; *s; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;     /* count lead bytes only */
    }
    return n;
}

/* C0, DEL or C1; with lines, tab, LF and CR are not counted. */
static int has_control(const char *s, int lines)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (lines && (*c == '\t' || *c == '\n' || *c == '\r')) {
            continue;
        }
        if (*c < 0x20 || *c == 0x7F || (c[0] == 0xC2 && c[1] >= 0x80 && c[1] <= 0x9F)) {
            return 1;
        }
    }
    return 0;
}

int gh_has_control(const char *s)
{
    return has_control(s, 0);
}

int gh_has_control_text(const char *s)
{
    return has_control(s, 1);
}

int gh_parse_int64_dec(const char *s, apr_int64_t *out)
{
    apr_uint64_t v = 0;
    const apr_uint64_t max = (apr_uint64_t)APR_INT64_MAX;

    if (s == NULL || *s == '\0') {
        return -1;
    }
    for (; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9') {
            return -1;
        }
        d = (unsigned)(*s - '0');
        if (v > (max - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *out = (apr_int64_t)v;
    return 0;
}

const char *gh_pg_array(apr_pool_t *p, const char *const *values, int n)
{
    apr_size_t size = 3;
    char *out, *o;

    for (int i = 0; i < n; i++) {
        size += values[i] ? 2 * strlen(values[i]) + 3 : 5;   /* "..", or NULL, */
    }
    o = out = apr_palloc(p, size);
    *o++ = '{';
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            *o++ = ',';
        }
        if (values[i] == NULL) {
            memcpy(o, "NULL", 4);
            o += 4;
            continue;
        }
        *o++ = '"';
        for (const char *v = values[i]; *v; v++) {
            if (*v == '"' || *v == '\\') {
                *o++ = '\\';
            }
            *o++ = *v;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return out;
}
