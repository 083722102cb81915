/* gh_retry: which tries of an outbound call are tried again, after how
 * long, and never past the call's timeout. */
#include "check.h"
#include "suites.h"
#include "gh_retry.h"

#define MS(n) apr_time_from_msec(n)
#define NOW   apr_time_from_sec(1700000000)        /* 2023-11-14T22:13:20Z */
#define ROOMY MS(5000)

static apr_interval_time_t wait_for(gh_try_e how, long status, const char *retry_after,
                                    apr_interval_time_t left)
{
    return gh_retry_wait(how, status, retry_after, 1, left, 0, NOW);
}

static void backoff_doubles_with_jitter(void)
{
    /* random 0 gives half the base, the largest random just under 1.5 times */
    CHECK_INT_EQ(gh_retry_backoff(1, 0), MS(50));
    CHECK_INT_EQ(gh_retry_backoff(2, 0), MS(100));
    CHECK_INT_EQ(gh_retry_backoff(3, 0), MS(200));
    CHECK_INT_EQ(gh_retry_backoff(1, 0xFFFFFFFFu), MS(50) + 0xFFFFFFFFu % MS(100));
    for (apr_uint32_t r = 0; r < 1000000; r += 9973) {
        apr_interval_time_t w = gh_retry_backoff(2, r * 2654435761u);
        CHECK(w >= MS(100) && w < MS(300));
    }
}

static void gateway_failures_and_lost_tries_are_retried(void)
{
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 502, NULL, ROOMY), MS(50));
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 503, NULL, ROOMY), MS(50));
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 504, NULL, ROOMY), MS(50));
    CHECK_INT_EQ(wait_for(GH_TRY_LOST, 0, NULL, ROOMY), MS(50));
}

static void other_outcomes_stand(void)
{
    static const long final[] = { 200, 201, 204, 301, 400, 401, 404, 409, 500, 501, 505 };

    for (apr_size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++) {
        CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, final[i], "1", ROOMY), -1);
    }
    CHECK_INT_EQ(wait_for(GH_TRY_FAILED, 0, NULL, ROOMY), -1);
}

static void a_429_waits_for_its_retry_after(void)
{
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, NULL, ROOMY), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "", ROOMY), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "soon", ROOMY), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "1", ROOMY), MS(1000));
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "0", ROOMY), MS(50));   /* the backoff still */
    /* a 503 takes the longer of its hint and the backoff */
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 503, "2", ROOMY), MS(2000));
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 503, "garbage", ROOMY), MS(50));
}

static void the_wait_and_a_try_fit_in_the_timeout(void)
{
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 503, NULL, MS(150)), MS(50));
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 503, NULL, MS(149)), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_LOST, 0, NULL, 0), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_LOST, 0, NULL, -MS(10)), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "1", MS(1100)), MS(1000));
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "1", MS(1099)), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "5", ROOMY), -1);
    CHECK_INT_EQ(wait_for(GH_TRY_ANSWERED, 429, "99999999999999999999", ROOMY), -1);
}

static void retry_after_reads_seconds_and_dates(void)
{
    CHECK_INT_EQ(gh_retry_after(NULL, NOW), -1);
    CHECK_INT_EQ(gh_retry_after("", NOW), -1);
    CHECK_INT_EQ(gh_retry_after("120", NOW), apr_time_from_sec(120));
    CHECK_INT_EQ(gh_retry_after("-1", NOW), -1);
    CHECK_INT_EQ(gh_retry_after("1.5", NOW), -1);
    CHECK_INT_EQ(gh_retry_after("9999999", NOW), apr_time_from_sec(86400));
    CHECK_INT_EQ(gh_retry_after("Tue, 14 Nov 2023 22:13:23 GMT", NOW), apr_time_from_sec(3));
    CHECK_INT_EQ(gh_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", NOW), 0);     /* past */
    CHECK_INT_EQ(gh_retry_after("Tuesday next week", NOW), -1);
}

void test_retry(apr_pool_t *p)
{
    (void)p;
    backoff_doubles_with_jitter();
    gateway_failures_and_lost_tries_are_retried();
    other_outcomes_stand();
    a_429_waits_for_its_retry_after();
    the_wait_and_a_try_fit_in_the_timeout();
    retry_after_reads_seconds_and_dates();
}
