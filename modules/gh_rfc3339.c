/* RFC 3339 date-times: a strict reader of the section 5.6 grammar, and
 * the one canonical form the module writes. */
#include <apr_strings.h>

#include "gh_rfc3339.h"

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

/* The time-offset at s[0..n): "Z", or +HH:MM / -HH:MM, in seconds east
 * of UTC; 0 on success. */
static int offset(const char *s, apr_size_t n, apr_int64_t *east)
{
    int h, m;

    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *east = 0;
        return 0;
    }
    if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':'
        || (h = digits(s + 1, 2)) < 0 || h > 23 || (m = digits(s + 4, 2)) < 0 || m > 59) {
        return -1;
    }
    *east = (s[0] == '-' ? -1 : 1) * (apr_int64_t)(h * 3600 + m * 60);
    return 0;
}

int gh_rfc3339_parse(const char *s, apr_size_t len, apr_time_t *out)
{
    apr_time_exp_t xt = { 0 };
    apr_size_t i = 19;
    apr_int64_t east;
    apr_time_t t;
    int year, usec = 0, scale = 100000;

    /* YYYY-MM-DDTHH:MM:SS */
    if (s == NULL || len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't')
        || s[13] != ':' || s[16] != ':'
        || (year = digits(s, 4)) < 1970 || (xt.tm_mon = digits(s + 5, 2)) < 1 || xt.tm_mon > 12
        || (xt.tm_mday = digits(s + 8, 2)) < 1 || xt.tm_mday > days_in_month(year, xt.tm_mon)
        || (xt.tm_hour = digits(s + 11, 2)) < 0 || xt.tm_hour > 23
        || (xt.tm_min = digits(s + 14, 2)) < 0 || xt.tm_min > 59
        || (xt.tm_sec = digits(s + 17, 2)) < 0 || xt.tm_sec > 60) {
        return -1;
    }
    if (s[i] == '.') {
        apr_size_t start = ++i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (scale > 0) {
                usec += (s[i] - '0') * scale;
                scale /= 10;
            }
        }
        if (i == start) {
            return -1;
        }
    }
    if (offset(s + i, len - i, &east) != 0) {
        return -1;
    }
    xt.tm_year = year - 1900;
    xt.tm_mon -= 1;
    xt.tm_usec = usec;
    if (apr_time_exp_gmt_get(&t, &xt) != APR_SUCCESS || t - east * APR_USEC_PER_SEC < 0) {
        return -1;
    }
    *out = t - east * APR_USEC_PER_SEC;
    return 0;
}

const char *gh_rfc3339_format(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t xt;

    apr_time_exp_gmt(&xt, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", xt.tm_year + 1900,
                        xt.tm_mon + 1, xt.tm_mday, xt.tm_hour, xt.tm_min, xt.tm_sec,
                        xt.tm_usec);
}
