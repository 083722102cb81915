/* gh_batch: results, not answers. A batcher that could not be made fails
 * its items as internal errors; a follower's failure is in its own pool;
 * a check refuses an item before it joins; a batch refused for one item's
 * data is split. gh_batch.c is linked as it is, against stand-ins for the
 * few httpd and module functions it calls (below). */
#include <stdarg.h>

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "check.h"
#include "suites.h"
#include "gh_batch.h"

/* ---- stand-ins for httpd and the module ---------------------------- */

module AP_MODULE_DECLARE_DATA gamehoney_module = { .module_index = -1 };

static apr_thread_mutex_t *log_lock;
static char last_error[512];          /* the last line logged at APLOG_ERR or worse */
static const char *sqlstate = "";     /* what gh_db_failed_sqlstate says */

static void logged(int level, const char *fmt, va_list ap)
{
    if ((level & APLOG_LEVELMASK) <= APLOG_ERR) {
        apr_thread_mutex_lock(log_lock);
        vsnprintf(last_error, sizeof(last_error), fmt, ap);
        apr_thread_mutex_unlock(log_lock);
    }
}

void ap_log_rerror_(const char *file, int line, int module_index, int level, apr_status_t status,
                    const request_rec *r, const char *fmt, ...)
{
    va_list ap;

    (void)file, (void)line, (void)module_index, (void)status, (void)r;
    va_start(ap, fmt);
    logged(level, fmt, ap);
    va_end(ap);
}

void ap_log_error_(const char *file, int line, int module_index, int level, apr_status_t status,
                   const server_rec *s, const char *fmt, ...)
{
    va_list ap;

    (void)file, (void)line, (void)module_index, (void)status, (void)s;
    va_start(ap, fmt);
    logged(level, fmt, ap);
    va_end(ap);
}

const char *gh_db_failed_sqlstate(const request_rec *r);
const char *gh_db_failed_sqlstate(const request_rec *r)
{
    (void)r;
    return sqlstate;
}

void gh_metrics_batch(int items);
void gh_metrics_batch(int items)
{
    (void)items;
}

/* ---- requests, each on its own thread ------------------------------ */

static server_rec server;
static struct ap_logconf logconf = { NULL, APLOG_WARNING };

typedef struct {
    gh_batch_t *b;
    request_rec *r;
    gh_batch_item_t item;
    gh_result_t res;
    apr_thread_t *thread;
} job_t;

static request_rec *request(apr_pool_t *p, const char *user)
{
    request_rec *r = apr_pcalloc(p, sizeof(*r));
    apr_pool_t *own;

    apr_pool_create(&own, p);
    r->pool = own;
    r->server = &server;
    r->log = &logconf;
    r->user = user ? apr_pstrdup(own, user) : NULL;
    return r;
}

static void job_init(apr_pool_t *p, job_t *j, gh_batch_t *b, const char *input)
{
    memset(j, 0, sizeof(*j));
    j->b = b;
    j->r = request(p, "7");
    j->item.group = &server;
    j->item.input = input;
}

static void *APR_THREAD_FUNC submit_thread(apr_thread_t *t, void *data)
{
    job_t *j = data;

    j->res = gh_batch_submit(j->b, j->r, &j->item);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void start(apr_pool_t *p, job_t *j)
{
    apr_thread_create(&j->thread, NULL, submit_thread, j, p);
}

static void join(job_t *j)
{
    apr_status_t rv;
    apr_thread_join(&rv, j->thread);
}

/* ---- run functions ------------------------------------------------- */

/* The input "gate" holds its batch until gate_open, so that the items
 * submitted meanwhile queue up into the next batch together. */
static apr_uint32_t gate_open, gate_running, checks, biggest;
static request_rec *failing_leader;   /* the leader that ran run_fail's batch */
static const char *leader_message;    /* and the message it gave, in its own pool */

static void note_batch(gh_batch_item_t **items, int n)
{
    if ((apr_uint32_t)n > apr_atomic_read32(&biggest)) {
        apr_atomic_set32(&biggest, (apr_uint32_t)n);
    }
    for (int i = 0; i < n; i++) {
        if (strcmp(items[i]->input, "gate") == 0) {
            apr_atomic_set32(&gate_running, 1);
            while (!apr_atomic_read32(&gate_open)) {
                apr_sleep(1000);
            }
        }
    }
}

/* Every item gets its input back. */
static void run_echo(request_rec *leader, gh_batch_item_t **items, int n)
{
    note_batch(items, n);
    for (int i = 0; i < n; i++) {
        items[i]->result = items[i]->input;
    }
    gh_batch_finish(leader, items, n, GH_RESULT_OK, "run_echo");
}

/* A batch beside the gate fails, with words made in the leader's pool. */
static void run_fail(request_rec *leader, gh_batch_item_t **items, int n)
{
    note_batch(items, n);
    if (n == 1 && strcmp(items[0]->input, "gate") == 0) {
        items[0]->result = items[0]->input;
        return;
    }
    failing_leader = leader;
    leader_message = apr_psprintf(leader->pool, "a batch of %d failed", n);
    gh_batch_finish(leader, items, n, gh_result(GH_DB_REJECTED,
                                                apr_psprintf(leader->pool, "why-%d", n),
                                                leader_message), "run_fail");
}

/* The statement refuses a batch holding "guilty" for its data. */
static void run_guilty(request_rec *leader, gh_batch_item_t **items, int n)
{
    int guilty = 0;

    note_batch(items, n);
    for (int i = 0; i < n; i++) {
        guilty |= strcmp(items[i]->input, "guilty") == 0;
        items[i]->result = items[i]->input;
    }
    sqlstate = guilty ? "23514" : "";
    gh_batch_finish(leader, items, n, guilty ? gh_result(GH_DB_REJECTED, NULL, "refused")
                                             : GH_RESULT_OK, "run_guilty");
}

/* Forgets the result of its second item. */
static void run_forgetful(request_rec *leader, gh_batch_item_t **items, int n)
{
    for (int i = 0; i < n; i++) {
        items[i]->result = i == 1 ? NULL : items[i]->input;
    }
    gh_batch_finish(leader, items, n, GH_RESULT_OK, "run_forgetful");
}

static gh_result_t count_check(request_rec *r, const void *input)
{
    (void)r, (void)input;
    apr_atomic_inc32(&checks);
    return GH_RESULT_OK;
}

/* jobs[0] is "gate"; jobs[1..n) are started once it runs, and queue up
 * behind it. Returns whether they then ran as one batch (a thread slower
 * than the pause below may miss it; the caller tries again). */
static int behind_gate(apr_pool_t *p, gh_batch_t *b, job_t *jobs, int n)
{
    apr_atomic_set32(&gate_open, 0);
    apr_atomic_set32(&gate_running, 0);
    apr_atomic_set32(&checks, 0);
    apr_atomic_set32(&biggest, 0);
    gh_batch_set_check(b, count_check);
    start(p, &jobs[0]);
    while (!apr_atomic_read32(&gate_running)) {
        apr_sleep(1000);
    }
    for (int i = 1; i < n; i++) {
        start(p, &jobs[i]);
    }
    while (apr_atomic_read32(&checks) < (apr_uint32_t)n) {     /* the gate's own, and theirs */
        apr_sleep(1000);
    }
    apr_sleep(apr_time_from_msec(50));                         /* from the check to the queue */
    apr_atomic_set32(&gate_open, 1);
    for (int i = 0; i < n; i++) {
        join(&jobs[i]);
    }
    return apr_atomic_read32(&biggest) == (apr_uint32_t)(n - 1);
}

/* ---- the tests ----------------------------------------------------- */

static void not_created(apr_pool_t *p)
{
    gh_batch_item_t item = { .group = &server, .input = "x" };
    gh_result_t res;

    last_error[0] = '\0';
    gh_batch_set_check(NULL, count_check);           /* a no-op, not a crash */
    res = gh_batch_submit(NULL, request(p, "7"), &item);
    CHECK_INT_EQ(res.kind, GH_INTERNAL);
    CHECK_NULL(res.message);                         /* the kind's default */
    CHECK_NULL(item.result);
    CHECK(strstr(last_error, "could not be created") != NULL);
}

static void alone(apr_pool_t *p)
{
    gh_batch_t *b = gh_batch_create(p, &server, "test", 8, 1, run_echo);
    gh_batch_item_t item = { .group = &server, .input = "mine" };
    gh_result_t res;

    CHECK_NOT_NULL(b);
    res = gh_batch_submit(b, request(p, "7"), &item);
    CHECK_INT_EQ(res.kind, GH_OK);
    CHECK_STR_EQ(item.result, "mine");
    CHECK_INT_EQ(item.res.kind, GH_OK);
}

static void refused_before_joining(apr_pool_t *p)
{
    static const char *const not_users[] = { NULL, "", "abc", "0", "-1", "1e3",
                                             "99999999999999999999" };
    gh_batch_t *b = gh_batch_create(p, &server, "test", 8, 1, run_echo);

    gh_batch_set_check(b, gh_batch_check_user);
    for (size_t i = 0; i < sizeof(not_users) / sizeof(not_users[0]); i++) {
        gh_batch_item_t item = { .group = &server, .input = "x" };
        gh_result_t res = gh_batch_submit(b, request(p, not_users[i]), &item);
        CHECK_INT_EQ(res.kind, GH_REFUSED);
        CHECK_STR_EQ(res.reason, GH_BATCH_NOT_A_USER);
        CHECK_STR_EQ(res.message, "The access token is invalid: its subject is not a user id.");
        CHECK(gh_batch_not_a_user(res));
        CHECK_NULL(item.result);                     /* never ran */
    }
    {
        gh_batch_item_t item = { .group = &server, .input = "x" };
        gh_result_t res = gh_batch_submit(b, request(p, "42"), &item);
        CHECK_INT_EQ(res.kind, GH_OK);
        CHECK(!gh_batch_not_a_user(res));
        CHECK(!gh_batch_not_a_user(gh_result(GH_REFUSED, "other", NULL)));
        CHECK(!gh_batch_not_a_user(gh_result(GH_REFUSED, NULL, NULL)));
        CHECK_STR_EQ(item.result, "x");
    }
}

static void no_outcome(apr_pool_t *p)
{
    gh_batch_t *b = gh_batch_create(p, &server, "test", 8, 1, run_forgetful);
    gh_batch_item_t item = { .group = &server, .input = "x" };
    gh_batch_item_t *items[2];
    gh_batch_item_t a = { .input = "a" }, c = { .input = "c" };

    /* a lone item's result is there: OK */
    CHECK_INT_EQ(gh_batch_submit(b, request(p, "7"), &item).kind, GH_OK);
    /* a batch that left one item without a result fails all of them */
    items[0] = &a;
    items[1] = &c;
    last_error[0] = '\0';
    run_forgetful(request(p, "7"), items, 2);
    CHECK_INT_EQ(a.res.kind, GH_INTERNAL);
    CHECK_INT_EQ(c.res.kind, GH_INTERNAL);
    CHECK_STR_EQ(last_error, "run_forgetful gave no outcome for item 2");
}

/* Issue 12 §4: a follower is given its own copy of the leader's words,
 * not pointers into the leader's request, which may be gone by the time
 * the follower reads them. */
static void followers_own_their_failure(apr_pool_t *p)
{
    gh_batch_t *b = gh_batch_create(p, &server, "test", 8, 1, run_fail);
    job_t jobs[3];
    int tries = 0, together;

    do {
        job_init(p, &jobs[0], b, "gate");
        job_init(p, &jobs[1], b, "one");
        job_init(p, &jobs[2], b, "two");
        together = behind_gate(p, b, jobs, 3);
    } while (!together && ++tries < 20);
    if (!CHECK(together)) {
        return;
    }
    CHECK_INT_EQ(jobs[0].res.kind, GH_OK);
    for (int i = 1; i < 3; i++) {
        CHECK_INT_EQ(jobs[i].res.kind, GH_DB_REJECTED);
        CHECK_STR_EQ(jobs[i].res.message, "a batch of 2 failed");
        CHECK_STR_EQ(jobs[i].res.reason, "why-2");
        if (jobs[i].r != failing_leader) {           /* the follower */
            CHECK(jobs[i].res.message != leader_message);
        }
    }
    /* the leader's request ends; the follower still has its words */
    apr_pool_destroy(failing_leader->pool);
    for (int i = 1; i < 3; i++) {
        if (jobs[i].r != failing_leader) {
            CHECK_STR_EQ(jobs[i].res.message, "a batch of 2 failed");
        }
    }
}

static void guilty_item_fails_alone(apr_pool_t *p)
{
    gh_batch_t *b = gh_batch_create(p, &server, "test", 8, 1, run_guilty);
    static const char *const inputs[] = { "gate", "good", "guilty", "fine" };
    job_t jobs[4];
    int tries = 0, together;

    do {
        for (int i = 0; i < 4; i++) {
            job_init(p, &jobs[i], b, inputs[i]);
        }
        together = behind_gate(p, b, jobs, 4);
    } while (!together && ++tries < 20);
    if (!CHECK(together)) {
        return;
    }
    for (int i = 0; i < 4; i++) {
        if (strcmp(inputs[i], "guilty") == 0) {
            CHECK_INT_EQ(jobs[i].res.kind, GH_DB_REJECTED);
            CHECK_STR_EQ(jobs[i].res.message, "refused");
        }
        else {
            CHECK_INT_EQ(jobs[i].res.kind, GH_OK);
            CHECK_STR_EQ(jobs[i].item.result, inputs[i]);
        }
    }
    sqlstate = "";
}

void test_batch(apr_pool_t *p)
{
    apr_thread_mutex_create(&log_lock, APR_THREAD_MUTEX_DEFAULT, p);
    server.log.level = APLOG_WARNING;
    not_created(p);
    alone(p);
    refused_before_joining(p);
    no_outcome(p);
    followers_own_their_failure(p);
    guilty_item_fails_alone(p);
}
