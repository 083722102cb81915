/* Toss Payments checkout (seed 001, spec §2), mounted at /api/payments: a
 * signed-in user prepares an order, Toss's payment window redirects the
 * browser to /success or /fail, and the points are credited exactly once
 * when Toss confirms; a paid order is refunded through Toss. Toss's
 * webhook is never trusted: the payment is fetched back. Every answer that
 * depends on Toss comes from what Toss said (gh_pay_rules decides what it
 * means). The points wallet under the same handler is area_points.c. */
#include <string.h>

#include "apr_escape.h"
#include "apr_strings.h"
#include "http_core.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_auth.h"
#include "gh_db.h"
#include "gh_crypto.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_payments.h"
#include "gh_rows.h"
#include "gh_text.h"
#include "gh_toss_payments_cfg.h"

#define KEY_MAX     GH_PAY_KEY_MAX
#define ORDER_MAX   GH_PAY_ORDER_ID_MAX
#define REASON_MAX  200

static const gh_db_stmt_t statements[] = {
    { "gh_pay_prepare",
      "INSERT INTO payment_orders (user_id, order_id, provider, amount, order_name)"
      " SELECT id, %s, 'toss', %lld, %s FROM users WHERE id = %lld AND is_active"
      " RETURNING order_id" },
    /* kept before confirm, so an interrupted confirm can be found again */
    { "gh_pay_set_key",
      "UPDATE payment_orders SET payment_key = %s, updated_at = now()"
      " WHERE order_id = %s AND status IN ('READY', 'FAILED')" },
    /* under the order's lock, so that two refunds never start at once */
    { "gh_pay_cancel_begin",
      "SELECT o_status, o_payment_key, o_amount, o_left, o_cancel_id, o_balance, o_pending"
      " FROM payment_cancel_begin(CAST(%s AS bigint), %s, CAST(%s AS bigint), %s)" },
    { NULL, NULL }
};

static const gh_col_t begin_cols[] = {          /* gh_pay_cancel_begin */
    { "o_status", GH_COL_TEXT, NULL }, { "o_payment_key", GH_COL_TEXT, NULL },
    { "o_amount", GH_COL_INT, NULL }, { "o_left", GH_COL_INT, NULL },
    { "o_cancel_id", GH_COL_TEXT, NULL }, { "o_balance", GH_COL_TEXT, NULL },
    { "o_pending", GH_COL_BOOL, NULL }, { NULL, 0, NULL }
};

/* The core's reasons that have codes of their own here. */
static const gh_reason_map_t errors[] = {
    { "order",            GH_E_ORDER_NOT_FOUND },
    { "user",             GH_E_USER_NOT_FOUND },
    { "payment_mismatch", GH_E_PAYMENT_MISMATCH },
    { NULL, 0 }
};

static int answer(request_rec *r, gh_result_t res)
{
    return gh_answer_mapped(r, res, errors);
}

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
        || (status = gh_http_int(r, in, "amount", tc->amount.min, tc->amount.max,
                                 &amount)) != OK
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
    gh_confirm_e step = gh_pay_confirm_step(a, 0);
    int status, changed;

    if (step == GH_CONFIRM_LOOK_UP) {
        /* an earlier confirm went through: ask Toss what it became */
        if ((status = answer(r, gh_tp_call(r, apr_pstrcat(r->pool, "/v1/payments/", key, NULL),
                                           NULL, NULL, a))) != OK) {
            return status;
        }
        step = gh_pay_confirm_step(a, 1);
    }
    if (step == GH_CONFIRM_RETRY_LATER) {
        return answer(r, gh_tp_retry_later(r, a));
    }
    if (step == GH_CONFIRM_REFUSED) {
        if ((status = answer(r, gh_pay_mark(r, o->order_id, "FAILED", a->code, a->message,
                                            &changed))) != OK) {
            return status;
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "order %s: Toss refused the payment: %s",
                      o->order_id, a->code);
        return payment_failed(r, o->order_id, a->code, a->message);
    }
    if ((status = answer(r, gh_pay_reconcile(r, o, a, 0, &changed))) != OK) {
        return status;
    }
    switch (gh_pay_confirmed(o, key)) {
    case GH_CONFIRMED_PAID:
        return paid(r, o);
    case GH_CONFIRMED_WAITING:
        return waiting(r, o, a);
    case GH_CONFIRMED_ODD:
        break;
    }
    return answer(r, gh_tp_unexpected(r, apr_pstrcat(r->pool, "confirm left order ",
                                                     o->order_id, " ", o->status, " (Toss: ",
                                                     a->status, ")", NULL)));
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
    if ((status = answer(r, gh_pay_load(r, order_id, &o))) != OK) {
        return status;
    }
    switch (gh_pay_success_step(&o, key, amount)) {
    case GH_REDIRECT_AMOUNT_MISMATCH:   /* the browser's: only our own order's counts */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "order %s: success redirect with amount "
                      "%" APR_INT64_T_FMT ", the order is %" APR_INT64_T_FMT "; not confirmed",
                      order_id, amount, o.amount);
        return gh_fail(r, GH_E_AMOUNT_MISMATCH,
                       "The amount does not match the order.");
    case GH_REDIRECT_CANCELLED:
        return gh_fail(r, GH_E_ORDER_CANCELLED, "The order was cancelled.");
    case GH_REDIRECT_REPEATED:
        return paid(r, &o);
    case GH_REDIRECT_PAID_OTHER:
        return gh_fail(r, GH_E_ORDER_ALREADY_PAID,
                       "The order was paid with another payment.");
    case GH_REDIRECT_CONFIRM:
        break;
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
    if ((status = answer(r, gh_tp_call(r, "/v1/payments/confirm", body, idem, &a))) != OK) {
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
        if ((status = answer(r, gh_pay_load(r, order_id, &o))) != OK
            || (status = answer(r, gh_pay_mark(r, order_id, "FAILED", code, message,
                                               &changed))) != OK) {
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
    const char *points;
    gh_pay_order_t o;
    gh_tp_answer_t a;
    gh_result_t res;
    int status, changed;

    json_object_object_add(body, "cancelReason", json_object_new_string(reason));
    if ((status = answer(r, gh_tp_call(r, apr_pstrcat(r->pool, "/v1/payments/", payment_key,
                                                      "/cancel", NULL), body,
                                       apr_pstrcat(r->pool, "gh-cancel-", order_id, "-deposit",
                                                   NULL), &a))) != OK) {
        return status;
    }
    if (a.kind == GH_TP_TRANSIENT) {
        return answer(r, gh_tp_retry_later(r, &a));
    }
    if (a.code) {
        return gh_fail(r, GH_E_CANCEL_FAILED, a.message);
    }
    if ((status = answer(r, gh_pay_load(r, order_id, &o))) != OK
        || (status = answer(r, gh_pay_reconcile(r, &o, &a, 0, &changed))) != OK) {
        return status;
    }
    /* a user gone meanwhile has no balance to show */
    if ((res = gh_pay_balance(r, r->user, &points)).kind != GH_OK && res.kind != GH_NOT_FOUND) {
        return answer(r, res);
    }
    return cancelled(r, order_id, o.status, 0, gh_money_int(points));
}

/* A refund: the points are debited first (PENDING), then Toss is asked
 * with a key that makes a retry harmless; a refusal gives them back, and
 * a timeout leaves them held until the admin check settles it. */
static int cancel(request_rec *r, const gh_route_params_t *params)
{
    static const gh_range_t any = { 1, APR_INT64_C(1000000000000) };
    const char *order_id, *reason, *amount_arg = NULL, *const *row;
    apr_array_header_t *rows;
    gh_pay_cancel_t c;
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
        if ((status = gh_http_int(r, in, "amount", any.min, any.max, &amount)) != OK) {
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
    row = gh_rows_row(rows, 0);
    c.status = gh_rows_text(begin_cols, row, "o_status");
    c.payment_key = gh_rows_text(begin_cols, row, "o_payment_key");
    c.amount = gh_rows_int(begin_cols, row, "o_amount");
    c.left = gh_rows_int(begin_cols, row, "o_left");
    c.cancel_id = gh_rows_text(begin_cols, row, "o_cancel_id");
    c.balance = gh_rows_text(begin_cols, row, "o_balance");
    c.pending = gh_rows_bool(begin_cols, row, "o_pending");
    switch (gh_pay_cancel_plan(&c, amount_arg == NULL)) {
    case GH_CANCEL_IN_PROGRESS:
        return gh_fail(r, GH_E_CANCEL_IN_PROGRESS,
                       "A refund of this order is already in progress.");
    case GH_CANCEL_CLOSE_ACCOUNT:
        return cancel_waiting(r, order_id, c.payment_key, reason);
    case GH_CANCEL_NOT_CANCELLABLE:
        return gh_fail(r, GH_E_ORDER_NOT_CANCELLABLE,
                       "Only a paid order, or a whole one waiting for its deposit, can be "
                       "cancelled.");
    case GH_CANCEL_BAD_AMOUNT:
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_psprintf(r->pool,
                       "amount must be at most what is left to refund: %" APR_INT64_T_FMT ".",
                       c.left));
    case GH_CANCEL_SPENT:
        return gh_fail(r, GH_E_INSUFFICIENT_POINTS,
                       "The points of this order have already been spent.");
    case GH_CANCEL_REFUND:
        break;
    }
    if ((status = answer(r, gh_pay_refund(r, c.payment_key, c.cancel_id, c.amount, reason,
                                          &a))) != OK) {
        return status;
    }
    switch (gh_pay_refund_outcome(&a)) {
    case GH_REFUND_REFUSED:
        return gh_fail(r, GH_E_CANCEL_FAILED, a.message);
    case GH_REFUND_HELD:             /* held, until the admin check settles it */
        return answer(r, gh_tp_retry_later(r, &a));
    case GH_REFUND_UNCONFIRMED:
        return answer(r, gh_tp_unexpected(r, "cancel answered without the cancel"));
    case GH_REFUND_MADE:
        break;
    }
    return cancelled(r, order_id, gh_pay_refunded_status(&a), c.amount,
                     gh_money_int(c.balance));
}

static int ignored(request_rec *r)
{
    json_object *out = gh_json_object(r->pool);
    json_object_object_add(out, "status", json_object_new_string("ignored"));
    return gh_send_json(r, HTTP_OK, out);
}

/* Toss's webhooks carry no signature: only the payment they name is
 * used, fetched from Toss. A non-200 answer makes Toss resend, so only a
 * failure on our side or Toss's gets one. */
static int webhook(request_rec *r, const gh_route_params_t *params)
{
    const char *path, *error;
    json_object *in, *out;
    gh_pay_order_t o;
    gh_tp_answer_t a;
    gh_result_t res;
    int status, changed;

    (void)params;
    if ((status = gh_http_require(r, GH_NEED_TOSS_PAYMENTS)) != OK
        || (status = gh_http_read_object(r, &in)) != OK) {
        return status;
    }
    if ((path = gh_pay_webhook_path(r->pool, in, &error)) == NULL) {
        return error ? gh_fail(r, GH_E_INVALID_REQUEST, error) : ignored(r);
    }
    if ((status = answer(r, gh_tp_call(r, path, NULL, NULL, &a))) != OK) {
        return status;
    }
    switch (gh_pay_lookup(&a)) {
    case GH_LOOKUP_RETRY_LATER:
        return answer(r, gh_tp_retry_later(r, &a));
    case GH_LOOKUP_NONE:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "webhook for %s: Toss has no such "
                      "payment", path);
        return ignored(r);
    case GH_LOOKUP_REFUSED:         /* e.g. our key refused: let Toss resend later */
        return answer(r, gh_tp_unexpected(r, apr_pstrcat(r->pool, "payment lookup: ", a.code,
                                                         NULL)));
    case GH_LOOKUP_PAYMENT:
        break;
    }
    res = gh_money_token(a.order_id, ORDER_MAX) ? gh_pay_load(r, a.order_id, &o)
                                                : gh_result(GH_NOT_FOUND, "order", NULL);
    if (res.kind == GH_NOT_FOUND) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "webhook for payment %s: not our order",
                      a.payment_key);
        return ignored(r);
    }
    if ((status = answer(r, res)) != OK) {
        return status;              /* ours failed: a 5xx makes Toss resend */
    }
    /* not this order's payment, or a concurrent change: a resend would
     * not fare better */
    if ((res = gh_pay_reconcile(r, &o, &a, 0, &changed)).kind == GH_CONFLICT) {
        return ignored(r);
    }
    if ((status = answer(r, res)) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "status", json_object_new_string("ok"));
    json_object_object_add(out, "order_status", json_object_new_string(o.status));
    return gh_send_json(r, HTTP_OK, out);
}

static const gh_route_t routes[] = {
    { "POST", "/payment/prepare",    prepare, GH_ROUTE_USER },
    { "GET",  "/success",            success, GH_ROUTE_PUBLIC },
    { "GET",  "/fail",               fail,    GH_ROUTE_PUBLIC },
    { "POST", "/payment/cancel",     cancel,  GH_ROUTE_USER },
    { "POST", "/webhook",            webhook, GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_payments = { "payments", routes, statements, NULL, NULL };
