/* The retry policy of outbound calls, pure (APR only) so that the unit
 * tests can check it: which answers are tried again, after how long, and
 * never past the call's total timeout. gh_curl.c applies it. */
#ifndef GH_RETRY_H
#define GH_RETRY_H

#include <apr_time.h>

#define GH_RETRY_MAX_TRIES 3
#define GH_RETRY_MIN_TRY   apr_time_from_msec(100)   /* no try starts with less budget */

/* How a try ended. */
typedef enum {
    GH_TRY_ANSWERED,             /* an HTTP status came back */
    GH_TRY_LOST,                 /* the network or the upstream dropped it:
                                    another try may not meet that */
    GH_TRY_FAILED                /* would only fail again (a refused certificate,
                                    a too-large answer) */
} gh_try_e;

/* The backoff before try n + 1: 100 ms doubled per try, from half to one
 * and a half times that by random, so that children retrying together
 * spread. */
apr_interval_time_t gh_retry_backoff(int n, apr_uint32_t random);

/* Retry-After (delta-seconds or an HTTP-date) as an interval from now;
 * -1 when absent or unreadable. */
apr_interval_time_t gh_retry_after(const char *value, apr_time_t now);

/* How long to wait after try n before the next, or -1 when its outcome
 * stands. A lost try, a 502, 503 or 504 is tried again; a 429 only when
 * its Retry-After says when (the upstream refuses us for load, and
 * without its word a quick retry adds to it); a 503's Retry-After is
 * honoured too. The wait and one more try must fit in left, what remains
 * of the call's timeout. */
apr_interval_time_t gh_retry_wait(gh_try_e how, long status, const char *retry_after, int n,
                                  apr_interval_time_t left, apr_uint32_t random, apr_time_t now);

#endif
