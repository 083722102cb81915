/* Toss Payments (seed 001, spec §2), mounted at /api/payments: a signed-in
 * user prepares an order, Toss's payment window redirects the browser to
 * /success or /fail, and the points are credited exactly once when Toss
 * confirms. Toss's webhook is never trusted: the payment is fetched back.
 * Every answer that depends on Toss comes from what Toss said. */
#include <string.h>

#include "apr_escape.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_auth.h"
#include "gh_db.h"
#include "gh_batch.h"
#include "gh_crypto.h"
#include "gh_curl.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_page.h"
#include "gh_pay_history.h"
#include "gh_payments.h"
#include "gh_text.h"
#include "gh_toss_payments_cfg.h"

#define KEY_MAX     200     /* Toss's payment keys are ~50 characters */
#define BATCH_MAX_ITEMS   64
#define BATCH_MAX_LEADERS 1     /* batches in flight per child */
#define ORDER_MAX   64      /* Toss's limit on orderId */
#define REASON_MAX  200
#define PAGE_DEFAULT 20
#define PAGE_MAX    100

static const gh_db_stmt_t statements[] = {
    { "gh_pay_prepare",
      "INSERT INTO payment_orders (user_id, order_id, provider, amount, order_name)"
      " SELECT id, %s, 'toss', %lld, %s FROM users WHERE id = %lld AND is_active"
      " RETURNING order_id" },
    /* kept before confirm, so an interrupted confirm can be found again */
    { "gh_pay_set_key",
      "UPDATE payment_orders SET payment_key = %s, updated_at = now()"
      " WHERE order_id = %s AND status IN ('READY', 'FAILED')" },
    { "gh_pay_balance",
      "SELECT remaining_points FROM users WHERE id = %lld" },
    /* concurrent deductions share one transaction (gh_batch) */
    { "gh_pay_deduct_batch",
      "SELECT o_ord, o_outcome, o_ledger_id, o_user_id, o_delta, o_balance_after, o_reason"
      " FROM points_deduct_batch(CAST(%s AS bigint[]), CAST(%s AS bigint[]),"
      " CAST(%s AS text[]), CAST(%s AS text[]))" },
    { NULL, NULL }
};

static int prepare(request_rec *r, const gh_route_params_t *params)
{
    const gh_toss_payments_cfg_t *tc = gh_toss_payments_cfg(r->server);
    const char *name, *order_id, *mount = gh_http_mount(r);
    apr_int64_t amount;
    apr_array_header_t *rows;
    json_object *in, *out;
    int status;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_TOSS_PAYMENTS)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_pay_amount(r, in, "amount", tc->amount, &amount)) != OK
        || (status = gh_http_field(r, in, "order_name", 100, 1, &name)) != OK) {
        return status;
    }
    if ((order_id = gh_money_reference(r->pool, 0)) == NULL) {
        return gh_fail(r, GH_E_INTERNAL_ERROR, "No randomness.");
    }
    {
        const char *args[] = { order_id, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, amount),
                               name, r->user };
        if ((status = gh_answer(r, gh_db_query(r, "gh_pay_prepare", 4, args, &rows))) != OK) {
            return status;
        }
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_USER_NOT_FOUND, "The user no longer exists.");
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "orderId", json_object_new_string(order_id));
    json_object_object_add(out, "amount", json_object_new_int64(amount));
    json_object_object_add(out, "orderName", json_object_new_string(name));
    json_object_object_add(out, "clientKey", tc->client_key
                           ? json_object_new_string(tc->client_key) : NULL);
    json_object_object_add(out, "successUrl", json_object_new_string(
        ap_construct_url(r->pool, apr_pstrcat(r->pool, mount, "/success", NULL), r)));
    json_object_object_add(out, "failUrl", json_object_new_string(
        ap_construct_url(r->pool, apr_pstrcat(r->pool, mount, "/fail", NULL), r)));
    return gh_send_json(r, HTTP_OK, out);
}

/* With GameHoneyPaymentReturnURL, the browser goes on to the front end
 * with the outcome in the query; without it, it gets JSON. */
static int finish(request_rec *r, json_object *body, const char *const *query)
{
    const char *url = gh_toss_payments_cfg(r->server)->return_url;

    if (url == NULL) {
        return gh_send_json(r, HTTP_OK, body);
    }
    for (int i = 0; query[i]; i += 2) {
        url = apr_pstrcat(r->pool, url, i == 0 && !strchr(url, '?') ? "?" : "&", query[i], "=",
                          apr_pescape_urlencoded(r->pool, query[i + 1] ? query[i + 1] : ""),
                          NULL);
    }
    apr_table_setn(r->headers_out, "Location", url);
    return gh_send_json(r, HTTP_SEE_OTHER, body);
}

static int paid(request_rec *r, const gh_pay_order_t *o)
{
    json_object *out = gh_json_object(r->pool);
    const char *amount = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, o->amount);
    const char *q[] = { "result", "success", "orderId", o->order_id, "amount", amount, NULL };

    json_object_object_add(out, "status", json_object_new_string("DONE"));
    json_object_object_add(out, "orderId", json_object_new_string(o->order_id));
    json_object_object_add(out, "paymentKey", json_object_new_string(o->payment_key));
    json_object_object_add(out, "amount", json_object_new_int64(o->amount));
    return finish(r, out, q);
}

/* A virtual account was issued: paid when the deposit arrives (webhook). */
static int waiting(request_rec *r, const gh_pay_order_t *o, const gh_tp_answer_t *a)
{
    static const char *const fields[] = { "accountNumber", "bankCode", "customerName",
                                          "dueDate", NULL };
    json_object *out = gh_json_object(r->pool), *va = NULL;
    const char *amount = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, o->amount);
    const char *q[] = { "result", "waiting_for_deposit", "orderId", o->order_id,
                        "amount", amount, NULL };

    if (a->virtual_account) {
        va = json_object_new_object();
        for (int i = 0; fields[i]; i++) {
            const char *v = gh_json_str(a->virtual_account, fields[i]);
            json_object_object_add(va, fields[i], v ? json_object_new_string(v) : NULL);
        }
    }
    json_object_object_add(out, "status", json_object_new_string("WAITING_FOR_DEPOSIT"));
    json_object_object_add(out, "orderId", json_object_new_string(o->order_id));
    json_object_object_add(out, "paymentKey", json_object_new_string(o->payment_key));
    json_object_object_add(out, "amount", json_object_new_int64(o->amount));
    json_object_object_add(out, "virtualAccount", va);
    return finish(r, out, q);
}

static int payment_failed(request_rec *r, const char *order_id, const char *code,
                          const char *message)
{
    const char *q[] = { "result", "fail", "orderId", order_id, "code", code,
                        "message", message, NULL };
    json_object *out;

    if (gh_toss_payments_cfg(r->server)->return_url == NULL) {
        return gh_fail(r, GH_E_PAYMENT_FAILED, message);
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "error", json_object_new_string(gh_err_code(GH_E_PAYMENT_FAILED)));
    json_object_object_add(out, "message", json_object_new_string(message));
    return finish(r, out, q);
}

/* Reads the query of a redirect from Toss's payment window. */
static int redirect_query(request_rec *r, apr_table_t **qs, const char *name,
                          const char **value, int required, apr_size_t max)
{
    int status = *qs ? OK : gh_http_query(r, qs);

    if (status != OK || (status = gh_http_query_one(r, *qs, name, value)) != OK) {
        return status;
    }
    if ((*value == NULL && required)
        || (*value && (**value == '\0' || gh_utf8_length(*value) > max))) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       apr_psprintf(r->pool, "%s must be given, at most %" APR_SIZE_T_FMT
                                    " characters.", name, max));
    }
    return OK;
}

/* What Toss answered to confirm, turned into the order's outcome. */
static int confirmed(request_rec *r, gh_pay_order_t *o, const char *key, gh_tp_answer_t *a)
{
    int status, changed;

    if (a->code && strcmp(a->code, "ALREADY_PROCESSED_PAYMENT") == 0) {
        /* an earlier confirm went through: ask Toss what it became */
        if ((status = gh_tp_call(r, apr_pstrcat(r->pool, "/v1/payments/", key, NULL), NULL,
                                 NULL, a)) != OK) {
            return status;
        }
    }
    if (gh_tp_transient(a)) {
        return gh_tp_fail_transient(r, a);
    }
    if (a->code) {
        if ((status = gh_pay_mark(r, o->order_id, "FAILED", a->code, a->message,
                                  &changed)) != OK) {
            return status;
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "order %s: Toss refused the payment: %s",
                      o->order_id, a->code);
        return payment_failed(r, o->order_id, a->code, a->message);
    }
    if ((status = gh_pay_reconcile(r, o, a, 0, &changed)) != OK) {
        return status;
    }
    if (o->payment_key && strcmp(o->payment_key, key) == 0) {
        if (strcmp(o->status, "DONE") == 0) {
            return paid(r, o);
        }
        if (strcmp(o->status, "WAITING_FOR_DEPOSIT") == 0) {
            return waiting(r, o, a);
        }
    }
    return gh_answer(r, gh_upstream_bad(r, "Toss Payments", apr_pstrcat(r->pool, "confirm left order ",
                           o->order_id, " ", o->status, " (Toss: ", a->status, ")", NULL)));
}

static int success(request_rec *r, const gh_route_params_t *params)
{
    apr_table_t *qs = NULL;
    const char *key, *order_id, *amount_text, *idem;
    gh_pay_order_t o;
    gh_tp_answer_t a;
    json_object *body;
    apr_int64_t amount;
    char *end;
    int status;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_TOSS_PAYMENTS)) != OK
        || (status = redirect_query(r, &qs, "paymentKey", &key, 1, KEY_MAX)) != OK
        || (status = redirect_query(r, &qs, "orderId", &order_id, 1, ORDER_MAX)) != OK
        || (status = redirect_query(r, &qs, "amount", &amount_text, 1, 20)) != OK) {
        return status;
    }
    amount = apr_strtoi64(amount_text, &end, 10);
    if (!gh_money_token(key, KEY_MAX) || !gh_money_token(order_id, ORDER_MAX)
        || *end || amount <= 0 || !(*amount_text >= '0' && *amount_text <= '9')) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "paymentKey, orderId or amount is malformed.");
    }
    if ((status = gh_pay_load(r, order_id, &o)) != OK) {
        return status;
    }
    /* the amount comes from the browser: only our own order's counts */
    if (amount != o.amount) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "order %s: success redirect with amount "
                      "%" APR_INT64_T_FMT ", the order is %" APR_INT64_T_FMT "; not confirmed",
                      order_id, amount, o.amount);
        return gh_fail(r, GH_E_AMOUNT_MISMATCH,
                       "The amount does not match the order.");
    }
    if (strcmp(o.status, "CANCELLED") == 0) {
        return gh_fail(r, GH_E_ORDER_CANCELLED, "The order was cancelled.");
    }
    if (strcmp(o.status, "DONE") == 0) {            /* a repeated redirect */
        return o.payment_key && strcmp(o.payment_key, key) == 0
               ? paid(r, &o)
               : gh_fail(r, GH_E_ORDER_ALREADY_PAID,
                         "The order was paid with another payment.");
    }
    {
        const char *args[] = { key, order_id };
        apr_array_header_t *rows;
        if ((status = gh_answer(r, gh_db_query(r, "gh_pay_set_key", 2, args, &rows))) != OK) {
            return status;
        }
    }
    body = gh_json_object(r->pool);
    json_object_object_add(body, "paymentKey", json_object_new_string(key));
    json_object_object_add(body, "orderId", json_object_new_string(order_id));
    json_object_object_add(body, "amount", json_object_new_int64(o.amount));
    /* the same key for every retry of this payment, so Toss does it once */
    {
        unsigned char md[32];
        gh_sha256(key, strlen(key), md);
        idem = apr_pstrcat(r->pool, "gh-confirm-", order_id, "-", gh_hex(r->pool, md, 16), NULL);
    }
    if ((status = gh_tp_call(r, "/v1/payments/confirm", body, idem, &a)) != OK) {
        return status;
    }
    return confirmed(r, &o, key, &a);
}

static int fail(request_rec *r, const gh_route_params_t *params)
{
    apr_table_t *qs = NULL;
    const char *code, *message, *order_id;
    gh_pay_order_t o;
    json_object *out;
    int status, changed;

    (void)params;
    if ((status = redirect_query(r, &qs, "code", &code, 1, 64)) != OK
        || (status = redirect_query(r, &qs, "message", &message, 0, 500)) != OK
        || (status = redirect_query(r, &qs, "orderId", &order_id, 0, ORDER_MAX)) != OK) {
        return status;
    }
    if (gh_has_control(code) || (message && gh_has_control(message))) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "code and message must not hold control characters.");
    }
    if (order_id) {
        if ((status = gh_pay_load(r, order_id, &o)) != OK) {
            return status;
        }
        if ((status = gh_pay_mark(r, order_id, "FAILED", code, message, &changed)) != OK) {
            return status;
        }
        if (!changed) {
            return gh_fail(r, GH_E_ORDER_NOT_OPEN,
                           "The order is already paid or cancelled.");
        }
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "status", json_object_new_string("FAILED"));
    json_object_object_add(out, "orderId", order_id ? json_object_new_string(order_id) : NULL);
    json_object_object_add(out, "code", json_object_new_string(code));
    json_object_object_add(out, "message", message ? json_object_new_string(message) : NULL);
    {
        const char *q[] = { "result", "fail", "orderId", order_id, "code", code,
                            "message", message, NULL };
        return finish(r, out, q);
    }
}

static int balance(request_rec *r, const gh_route_params_t *params)
{
    const char *args[] = { r->user };
    apr_array_header_t *rows;
    json_object *out;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_db_query(r, "gh_pay_balance", 1, args, &rows))) != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_USER_NOT_FOUND, "The user no longer exists.");
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "user_id", json_object_new_string(r->user));
    json_object_object_add(out, "remaining_points",
                           gh_money_int(APR_ARRAY_IDX(rows, 0, const char **)[0]));
    return gh_send_json(r, HTTP_OK, out);
}

/* Nothing was debited: the balance is short, or the user is gone. */
static int balance_short(request_rec *r)
{
    const char *args[] = { r->user };
    apr_array_header_t *rows;
    int status = gh_answer(r, gh_db_query(r, "gh_pay_balance", 1, args, &rows));

    if (status != OK) {
        return status;
    }
    return rows->nelts == 0
           ? gh_fail(r, GH_E_USER_NOT_FOUND, "The user no longer exists.")
           : gh_fail(r, GH_E_INSUFFICIENT_POINTS, "Not enough points.");
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

/* One statement for every queued deduction; each item gets its own entry
 * (in its own pool: a follower reads it after the leader's pool is gone). */
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
            const char **row = APR_ARRAY_IDX(rows, i, const char **);
            apr_int64_t ord = apr_atoi64(row[0]);
            gh_pay_entry_t *e;
            if (ord < 1 || ord > n) {
                continue;
            }
            e = apr_pcalloc(items[ord - 1]->pool, sizeof(*e));
            e->made = strcmp(row[1], "short") != 0;
            e->replay = strcmp(row[1], "replay") == 0;
            if (e->made) {
                e->id = apr_pstrdup(items[ord - 1]->pool, row[2]);
                e->user_id = apr_pstrdup(items[ord - 1]->pool, row[3]);
                e->delta = apr_atoi64(row[4]);
                e->balance_after = apr_pstrdup(items[ord - 1]->pool, row[5]);
                e->reason = apr_pstrdup(items[ord - 1]->pool, row[6]);
            }
            items[ord - 1]->result = e;
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
        || (status = gh_pay_amount(r, in, "amount", any, &amount)) != OK
        || (status = gh_http_field(r, in, "reason", REASON_MAX, 1, &reason)) != OK
        || (status = gh_pay_idempotency_key(r, &key)) != OK) {
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
    status = gh_batch_not_a_user(res) ? gh_auth_refuse(r, res.message) : gh_answer(r, res);
    if (status != OK) {
        return status;
    }
    e = item.result;
    if (!e->made) {
        return balance_short(r);
    }
    if ((status = gh_pay_entry_check(r, e, r->user, amount, reason)) != OK) {
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

static int cancelled(request_rec *r, const char *order_id, const char *status,
                     apr_int64_t amount, json_object *points)
{
    json_object *out = gh_json_object(r->pool);

    json_object_object_add(out, "orderId", json_object_new_string(order_id));
    json_object_object_add(out, "status", json_object_new_string(status));
    json_object_object_add(out, "cancelled_amount", json_object_new_int64(amount));
    json_object_object_add(out, "remaining_points", points);
    return gh_send_json(r, HTTP_OK, out);
}

/* A virtual account still waiting for its deposit is closed at Toss; no
 * points were credited, so none are taken. */
static int cancel_waiting(request_rec *r, const char *order_id, const char *payment_key,
                          const char *reason)
{
    json_object *body = gh_json_object(r->pool);
    apr_array_header_t *rows;
    gh_pay_order_t o;
    gh_tp_answer_t a;
    int status, changed;

    json_object_object_add(body, "cancelReason", json_object_new_string(reason));
    if ((status = gh_tp_call(r, apr_pstrcat(r->pool, "/v1/payments/", payment_key, "/cancel",
                                            NULL), body,
                             apr_pstrcat(r->pool, "gh-cancel-", order_id, "-deposit", NULL),
                             &a)) != OK) {
        return status;
    }
    if (gh_tp_transient(&a)) {
        return gh_tp_fail_transient(r, &a);
    }
    if (a.code) {
        return gh_fail(r, GH_E_CANCEL_FAILED, a.message);
    }
    if ((status = gh_pay_load(r, order_id, &o)) != OK
        || (status = gh_pay_reconcile(r, &o, &a, 0, &changed)) != OK) {
        return status;
    }
    {
        const char *args[] = { r->user };
        if ((status = gh_answer(r, gh_db_query(r, "gh_pay_balance", 1, args, &rows))) != OK) {
            return status;
        }
    }
    return cancelled(r, order_id, o.status, 0, rows->nelts
                     ? gh_money_int(APR_ARRAY_IDX(rows, 0, const char **)[0]) : NULL);
}

/* A refund: the points are debited first (PENDING), then Toss is asked
 * with a key that makes a retry harmless; a refusal gives them back, and
 * a timeout leaves them held until the admin check settles it. */
static int cancel(request_rec *r, const gh_route_params_t *params)
{
    static const gh_range_t any = { 1, APR_INT64_C(1000000000000) };
    const char *order_id, *reason, *amount_arg = NULL, **row;
    apr_array_header_t *rows;
    json_object *in;
    gh_tp_answer_t a;
    int status;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_TOSS_PAYMENTS)) != OK
        || (status = gh_http_read_object(r, &in)) != OK
        || (status = gh_http_field(r, in, "order_id", ORDER_MAX, 1, &order_id)) != OK
        || (status = gh_http_field(r, in, "reason", REASON_MAX, 1, &reason)) != OK) {
        return status;
    }
    if (json_object_object_get_ex(in, "amount", NULL)) {
        apr_int64_t amount;
        if ((status = gh_pay_amount(r, in, "amount", any, &amount)) != OK) {
            return status;
        }
        amount_arg = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, amount);
    }
    {
        const char *args[] = { r->user, order_id, amount_arg, reason };
        status = gh_answer(r, gh_db_query(r, "gh_pay_cancel_begin", 4, args, &rows));
    }
    if (status != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_ORDER_NOT_FOUND, "No such order.");
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (row[6][0] == 't') {
        return gh_fail(r, GH_E_CANCEL_IN_PROGRESS,
                       "A refund of this order is already in progress.");
    }
    if (strcmp(row[0], "WAITING_FOR_DEPOSIT") == 0 && amount_arg == NULL) {
        return cancel_waiting(r, order_id, row[1], reason);
    }
    if (strcmp(row[0], "DONE") != 0) {
        return gh_fail(r, GH_E_ORDER_NOT_CANCELLABLE,
                       "Only a paid order, or a whole one waiting for its deposit, can be "
                       "cancelled.");
    }
    if (apr_atoi64(row[2]) > apr_atoi64(row[3]) || apr_atoi64(row[2]) <= 0) {
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_pstrcat(r->pool,
                       "amount must be at most what is left to refund: ", row[3], ".", NULL));
    }
    if (row[4] == NULL) {
        return gh_fail(r, GH_E_INSUFFICIENT_POINTS,
                       "The points of this order have already been spent.");
    }
    if ((status = gh_pay_refund(r, row[1], row[4], apr_atoi64(row[2]), reason, &a)) != OK) {
        return status;
    }
    if (gh_pay_refused(&a)) {
        return gh_fail(r, GH_E_CANCEL_FAILED, a.message);
    }
    /* else held, until the admin check settles it */
    if (a.code) {
        return gh_tp_fail_transient(r, &a);
    }
    if (a.last_transaction_key == NULL) {
        return gh_answer(r, gh_upstream_bad(r, "Toss Payments", "cancel answered without the cancel"));
    }
    return cancelled(r, order_id, a.balance_amount == 0 ? "CANCELLED" : "DONE",
                     apr_atoi64(row[2]), gh_money_int(row[5]));
}

static int ignored(request_rec *r)
{
    json_object *out = gh_json_object(r->pool);
    json_object_object_add(out, "status", json_object_new_string("ignored"));
    return gh_send_json(r, HTTP_OK, out);
}

/* The Toss path a webhook body names: PAYMENT_STATUS_CHANGED's
 * data.paymentKey, or a virtual account's DEPOSIT_CALLBACK orderId (a body
 * with a secret and no eventType). NULL with *status OK: not for us. */
static const char *webhook_payment(request_rec *r, json_object *in, int *status)
{
    const char *event = gh_json_str(in, "eventType"), *key, *order_id;

    *status = OK;
    if (event == NULL && (order_id = gh_json_str(in, "orderId")) != NULL
        && gh_json_str(in, "secret") != NULL) {
        if (!gh_money_token(order_id, ORDER_MAX)) {
            *status = gh_fail(r, GH_E_INVALID_REQUEST, "orderId is malformed.");
            return NULL;
        }
        return apr_pstrcat(r->pool, "/v1/payments/orders/", order_id, NULL);
    }
    if (event == NULL) {
        *status = gh_fail(r, GH_E_INVALID_REQUEST, "eventType is missing.");
        return NULL;
    }
    if (strcmp(event, "PAYMENT_STATUS_CHANGED") != 0) {
        return NULL;
    }
    key = gh_json_str(gh_json_obj(in, "data"), "paymentKey");
    if (key == NULL || !gh_money_token(key, KEY_MAX)) {
        *status = gh_fail(r, GH_E_INVALID_REQUEST,
                          "data.paymentKey is missing or malformed.");
        return NULL;
    }
    return apr_pstrcat(r->pool, "/v1/payments/", key, NULL);
}

/* Toss's webhooks carry no signature: only the payment they name is
 * used, fetched from Toss. A non-200 answer makes Toss resend, so only a
 * failure on our side or Toss's gets one. */
static int webhook(request_rec *r, const gh_route_params_t *params)
{
    const char *path;
    json_object *in, *out;
    gh_pay_order_t o;
    gh_tp_answer_t a;
    int status, changed;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_TOSS_PAYMENTS)) != OK
        || (status = gh_http_read_object(r, &in)) != OK) {
        return status;
    }
    if ((path = webhook_payment(r, in, &status)) == NULL) {
        return status != OK ? status : ignored(r);
    }
    if ((status = gh_tp_call(r, path, NULL, NULL, &a)) != OK) {
        return status;
    }
    if (gh_tp_transient(&a)) {
        return gh_tp_fail_transient(r, &a);
    }
    if (a.code && strcmp(a.code, "NOT_FOUND_PAYMENT") == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "webhook for %s: Toss has no such "
                      "payment", path);
        return ignored(r);
    }
    if (a.code) {                   /* e.g. our key refused: let Toss resend later */
        return gh_answer(r, gh_upstream_bad(r, "Toss Payments", apr_pstrcat(r->pool, "payment lookup: ",
                                                               a.code, NULL)));
    }
    status = gh_money_token(a.order_id, ORDER_MAX) ? gh_pay_load(r, a.order_id, &o)
                                                    : HTTP_NOT_FOUND;
    if (status == HTTP_NOT_FOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "webhook for payment %s: not our order",
                      a.payment_key);
        return ignored(r);
    }
    if (status != OK) {             /* ours failed: a 5xx makes Toss resend */
        return status;
    }
    if ((status = gh_pay_reconcile(r, &o, &a, 0, &changed)) != OK) {
        return status == HTTP_CONFLICT ? ignored(r) : status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "status", json_object_new_string("ok"));
    json_object_object_add(out, "order_status", json_object_new_string(o.status));
    return gh_send_json(r, HTTP_OK, out);
}

/* A page of the user's own money, by one of gh_pay_history's lists. */
static int history_page(request_rec *r, int (*list)(request_rec *, const char *,
                                                    const gh_page_t *, json_object **))
{
    const char *cursor, *limit;
    apr_table_t *qs;
    gh_page_t page;
    json_object *out;
    int status;

    if ((status = gh_http_query(r, &qs)) != OK
        || (status = gh_http_query_one(r, qs, "cursor", &cursor)) != OK
        || (status = gh_http_query_one(r, qs, "limit", &limit)) != OK
        || (status = gh_answer(r, gh_page_read(r->pool, cursor, limit, PAGE_DEFAULT, PAGE_MAX,
                                               &page))) != OK
        || (status = list(r, r->user, &page, &out)) != OK) {
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
    { "POST", "/payment/prepare",    prepare, GH_ROUTE_USER },
    { "GET",  "/success",            success, GH_ROUTE_PUBLIC },
    { "GET",  "/fail",               fail,    GH_ROUTE_PUBLIC },
    { "GET",  "/user/balance",       balance, GH_ROUTE_USER },
    { "GET",  "/user/payments",      my_payments, GH_ROUTE_USER },
    { "GET",  "/user/points",        my_points,   GH_ROUTE_USER },
    { "POST", "/user/deduct-points", deduct,  GH_ROUTE_USER },
    { "POST", "/payment/cancel",     cancel,  GH_ROUTE_USER },
    { "POST", "/webhook",            webhook, GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_payments = { "payments", routes, statements, NULL, child_init };
