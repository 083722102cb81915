/* The retry policy of outbound calls (gh_retry.h). */
#include <stdlib.h>
#include <string.h>

#include <apr_date.h>

#include "gh_retry.h"

#define FIRST_BACKOFF apr_time_from_msec(100)

apr_interval_time_t gh_retry_backoff(int n, apr_uint32_t random)
{
    apr_interval_time_t base = FIRST_BACKOFF << (n > 1 ? n - 1 : 0);

    return base / 2 + (apr_interval_time_t)(random % (apr_uint32_t)base);
}

apr_interval_time_t gh_retry_after(const char *value, apr_time_t now)
{
    apr_size_t len = value ? strlen(value) : 0;
    apr_time_t at;

    if (len == 0) {
        return -1;
    }
    if (strspn(value, "0123456789") == len) {
        /* past a day is as good as never here */
        return len > 5 ? apr_time_from_sec(86400) : apr_time_from_sec(atol(value));
    }
    if ((at = apr_date_parse_http(value)) == APR_DATE_BAD) {
        return -1;
    }
    return at > now ? at - now : 0;
}

apr_interval_time_t gh_retry_wait(gh_try_e how, long status, const char *retry_after, int n,
                                  apr_interval_time_t left, apr_uint32_t random, apr_time_t now)
{
    apr_interval_time_t wait = gh_retry_backoff(n, random), hint;

    if (how == GH_TRY_FAILED) {
        return -1;
    }
    if (how == GH_TRY_ANSWERED) {
        if (status == 429 || status == 503) {
            hint = gh_retry_after(retry_after, now);
            if (status == 429 && hint < 0) {
                return -1;
            }
            wait = hint > wait ? hint : wait;
        }
        else if (status != 502 && status != 504) {
            return -1;
        }
    }
    return wait + GH_RETRY_MIN_TRY <= left ? wait : -1;
}
