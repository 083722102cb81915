/* Entity tags: SHA-256 of the bytes, and RFC 9110's If-None-Match list
 * with its weak comparison. */
#include <string.h>

#include <apr_strings.h>

#include "gh_crypto.h"
#include "gh_etag.h"

const char *gh_etag_of(apr_pool_t *p, const void *body, apr_size_t len)
{
    unsigned char md[32];

    if (gh_sha256(body, len, md) != 0) {
        return NULL;
    }
    return apr_pstrcat(p, "\"", gh_hex(p, md, sizeof(md)), "\"", NULL);
}

static const char *skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* An opaque-tag at s: DQUOTE *etagc DQUOTE, etagc being %x21, %x23-7E and
 * obs-text. Returns its length, quotes included, or 0. */
static apr_size_t opaque_tag(const char *s)
{
    const unsigned char *c = (const unsigned char *)s;
    apr_size_t n = 1;

    if (c[0] != '"') {
        return 0;
    }
    while (c[n] == 0x21 || (c[n] >= 0x23 && c[n] != 0x7F)) {
        n++;
    }
    return c[n] == '"' ? n + 1 : 0;
}

int gh_etag_matches(const char *header, const char *etag)
{
    apr_size_t want = etag ? strlen(etag) : 0;
    const char *s;
    int matched = 0;

    if (header == NULL || want == 0) {
        return 0;
    }
    s = skip_ows(header);
    if (*s == '*') {
        return *skip_ows(s + 1) == '\0';
    }
    /* #entity-tag: empty elements are allowed, at least one tag is not */
    for (int tags = 0;;) {
        apr_size_t n;
        s = skip_ows(s);
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\0') {
            return tags > 0 && matched;
        }
        if (s[0] == 'W' && s[1] == '/') {
            s += 2;
        }
        if ((n = opaque_tag(s)) == 0) {
            return 0;
        }
        matched |= n == want && memcmp(s, etag, n) == 0;
        tags++;
        s = skip_ows(s + n);
        if (*s != ',' && *s != '\0') {
            return 0;
        }
    }
}
