/* The points wallet (seed 001), served under SetHandler gamehoney-payments
 * at /api/payments beside Toss checkout (mod_gamehoney.c), or on its own
 * as gamehoney-points: a signed-in user's balance, their payments and
 * ledger a page at a time, and deductions, each exactly once by its
 * Idempotency-Key. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_auth.h"
#include "gh_batch.h"
#include "gh_db.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_page.h"
#include "gh_pay_history.h"
#include "gh_payments.h"
#include "gh_rows.h"
#include "gh_text.h"

#define BATCH_MAX_ITEMS   64
#define BATCH_MAX_LEADERS 1     /* batches in flight per child */
#define REASON_MAX  200
#define PAGE_DEFAULT 20
#define PAGE_MAX    100

static const gh_db_stmt_t statements[] = {
    /* concurrent deductions share one transaction (gh_batch) */
    { "gh_pay_deduct_batch",
      "SELECT o_ord, o_outcome, o_ledger_id, o_user_id, o_delta, o_balance_after, o_reason"
      " FROM points_deduct_batch(CAST(%s AS bigint[]), CAST(%s AS bigint[]),"
      " CAST(%s AS text[]), CAST(%s AS text[]))" },
    { NULL, NULL }
};

static const gh_col_t deduct_cols[] = {         /* gh_pay_deduct_batch */
    { "o_ord", GH_COL_INT, NULL }, { "o_outcome", GH_COL_TEXT, NULL },
    { "o_ledger_id", GH_COL_TEXT, NULL }, { "o_user_id", GH_COL_TEXT, NULL },
    { "o_delta", GH_COL_INT, NULL }, { "o_balance_after", GH_COL_TEXT, NULL },
    { "o_reason", GH_COL_TEXT, NULL }, { NULL, 0, NULL }
};

/* The core's reasons that have codes of their own here. */
static const gh_reason_map_t errors[] = {
    { "user",       GH_E_USER_NOT_FOUND },
    { "key_reused", GH_E_IDEMPOTENCY_KEY_REUSED },
    { NULL, 0 }
};

static int answer(request_rec *r, gh_result_t res)
{
    return gh_answer_mapped(r, res, errors);
}

static int balance(request_rec *r, const gh_route_params_t *params)
{
    const char *points;
    json_object *out;
    int status;

    (void)params;
    if ((status = answer(r, gh_pay_balance(r, r->user, &points))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "user_id", json_object_new_string(r->user));
    json_object_object_add(out, "remaining_points", gh_money_int(points));
    return gh_send_json(r, HTTP_OK, out);
}

/* Nothing was debited: the balance is short, or the user is gone. */
static int balance_short(request_rec *r)
{
    const char *points;
    int status = answer(r, gh_pay_balance(r, r->user, &points));

    return status != OK ? status : gh_fail(r, GH_E_INSUFFICIENT_POINTS, "Not enough points.");
}

typedef struct {
    const char *user_id, *amount, *reason, *src;
} deduct_job_t;

static gh_batch_t *deductions;          /* per child */

static void run_deductions(request_rec *r, gh_batch_item_t **items, int n);

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    deductions = gh_batch_create(pchild, s, "deduction", BATCH_MAX_ITEMS, BATCH_MAX_LEADERS,
                                 run_deductions);
    gh_batch_set_check(deductions, gh_batch_check_user);
}

/* One item's entry, copied into its own pool: a follower reads it after
 * the leader's pool is gone. */
static gh_pay_entry_t *deduct_entry(apr_pool_t *p, const char *const *row)
{
    gh_pay_entry_t *e = apr_pcalloc(p, sizeof(*e));
    const char *outcome = gh_rows_text(deduct_cols, row, "o_outcome");

    e->made = strcmp(outcome, "short") != 0;
    e->replay = strcmp(outcome, "replay") == 0;
    if (e->made) {
        e->id = apr_pstrdup(p, gh_rows_text(deduct_cols, row, "o_ledger_id"));
        e->user_id = apr_pstrdup(p, gh_rows_text(deduct_cols, row, "o_user_id"));
        e->delta = gh_rows_int(deduct_cols, row, "o_delta");
        e->balance_after = apr_pstrdup(p, gh_rows_text(deduct_cols, row, "o_balance_after"));
        e->reason = apr_pstrdup(p, gh_rows_text(deduct_cols, row, "o_reason"));
    }
    return e;
}

/* One statement for every queued deduction; each item gets its own entry. */
static void run_deductions(request_rec *r, gh_batch_item_t **items, int n)
{
    const char **cols[4], *args[4];
    apr_array_header_t *rows;
    gh_result_t res;

    for (int c = 0; c < 4; c++) {
        cols[c] = apr_palloc(r->pool, sizeof(const char *) * n);
    }
    for (int i = 0; i < n; i++) {
        const deduct_job_t *job = items[i]->input;
        cols[0][i] = job->user_id;
        cols[1][i] = job->amount;
        cols[2][i] = job->reason;
        cols[3][i] = job->src;
    }
    for (int c = 0; c < 4; c++) {
        args[c] = gh_pg_array(r->pool, cols[c], n);
    }
    if ((res = gh_db_query(r, "gh_pay_deduct_batch", 4, args, &rows)).kind == GH_OK) {
        for (int i = 0; i < rows->nelts; i++) {
            const char *const *row = gh_rows_row(rows, i);
            apr_int64_t ord = gh_rows_int(deduct_cols, row, "o_ord");
            if (ord >= 1 && ord <= n) {
                items[ord - 1]->result = deduct_entry(items[ord - 1]->pool, row);
            }
        }
    }
    gh_batch_finish(r, items, n, res, "points_deduct_batch");
}

static int deduct(request_rec *r, const gh_route_params_t *params)
{
    static const gh_range_t any = { 1, APR_INT64_C(1000000000000) };
    const char *reason, *key;
    apr_int64_t amount;
    deduct_job_t job;
    gh_batch_item_t item = { 0 };
    const gh_pay_entry_t *e;
    json_object *in, *out;
    gh_result_t res;
    int status;

    (void)params;
    if ((status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_int(r, in, "amount", any.min, any.max, &amount)) != OK
        || (status = gh_http_field(r, in, "reason", REASON_MAX, 1, &reason)) != OK
        || (status = answer(r, gh_pay_idempotency_key(r, &key))) != OK) {
        return status;
    }
    /* a key is the user's own: scoped by user id; without one, a fresh
     * reference makes the request a deduction of its own */
    if (key == NULL && (key = gh_money_reference(r->pool, 0)) == NULL) {
        return gh_fail(r, GH_E_INTERNAL_ERROR, "No randomness.");
    }
    job.user_id = r->user;
    job.amount = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, amount);
    job.reason = reason;
    job.src = apr_pstrcat(r->pool, r->user, ":", key, NULL);
    item.group = r->server;
    item.input = &job;
    item.pool = r->pool;
    res = gh_batch_submit(deductions, r, &item);
    status = gh_batch_not_a_user(res) ? gh_auth_refuse(r, res.message) : answer(r, res);
    if (status != OK) {
        return status;
    }
    e = item.result;
    if (!e->made) {
        return balance_short(r);
    }
    if ((status = answer(r, gh_pay_entry_check(e, r->user, amount, reason))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "deducted", json_object_new_int64(amount));
    json_object_object_add(out, "remaining_points", gh_money_int(e->balance_after));
    json_object_object_add(out, "ledger_id", json_object_new_string(e->id));
    if (e->replay) {
        apr_table_setn(r->headers_out, "Idempotency-Replayed", "true");
    }
    return gh_send_json(r, HTTP_OK, out);
}

/* A page of the user's own money, by one of gh_pay_history's lists. */
static int history_page(request_rec *r, gh_result_t (*list)(request_rec *, const char *,
                                                            const gh_page_t *, json_object **))
{
    gh_page_t page;
    json_object *out;
    int status;

    if ((status = gh_http_page(r, PAGE_DEFAULT, PAGE_MAX, &page)) != OK
        || (status = answer(r, list(r, r->user, &page, &out))) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

static int my_payments(request_rec *r, const gh_route_params_t *params)
{
    (void)params;
    return history_page(r, gh_pay_history_orders);
}

static int my_points(request_rec *r, const gh_route_params_t *params)
{
    (void)params;
    return history_page(r, gh_pay_history_points);
}

static const gh_route_t routes[] = {
    { "GET",  "/user/balance",       balance,     GH_ROUTE_USER },
    { "GET",  "/user/payments",      my_payments, GH_ROUTE_USER },
    { "GET",  "/user/points",        my_points,   GH_ROUTE_USER },
    { "POST", "/user/deduct-points", deduct,      GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_points = { "points", routes, statements, NULL, child_init };
