/* Pure helpers of the metrics: see gh_prom.h. */
#include <string.h>

#include <apr_strings.h>

#include "gh_prom.h"

int gh_prom_bucket(const apr_int64_t *bounds, int n, apr_int64_t v)
{
    int i = 0;

    while (i < n && v > bounds[i]) {
        i++;
    }
    return i;
}

const char *gh_prom_label(apr_pool_t *p, const char *value)
{
    apr_size_t extra = 0, n = 0;
    char *out, *o;

    for (const char *c = value; *c; c++, n++) {
        extra += *c == '\\' || *c == '"' || *c == '\n';
    }
    if (extra == 0) {
        return value;
    }
    o = out = apr_palloc(p, n + extra + 1);
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"' || *c == '\n') {
            *o++ = '\\';
            *o++ = *c == '\n' ? 'n' : *c;
        }
        else {
            *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

int gh_prom_status_class(int status)
{
    return status >= 100 && status <= 599 ? status / 100 - 1 : -1;
}

apr_uint64_t gh_prom_hash(apr_uint64_t h, const char *s)
{
    do {
        h ^= (unsigned char)*s;
        h *= APR_UINT64_C(0x100000001b3);
    } while (*s++);
    return h;
}
