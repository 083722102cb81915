/* Toss Payments admin and debug routes (seed 001), mounted with
 * GameHoneyMount /api/payments under a <LocationMatch> that requires an
 * admin (Require gamehoney-role admin) or Basic auth. They look, add
 * points with a reason, and ask Toss to finish stuck orders. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_payments.h"
#include "gh_rows.h"
#include "gh_toss_payments_cfg.h"

static const gh_db_stmt_t statements[] = {
    { "gh_padm_cancels",
      "SELECT id, amount, status, reason FROM payment_cancels WHERE order_id = %s ORDER BY id" },
    { "gh_padm_points",
      "SELECT u.remaining_points, l.total, u.remaining_points = l.total FROM users u,"
      " LATERAL (SELECT coalesce(sum(delta), 0) AS total FROM point_ledger"
      " WHERE user_id = u.id) l WHERE u.id = %lld" },
    { "gh_padm_ledger",
      "SELECT id, delta, balance_after, reason, source_type, source_id, "
      GH_SQL_ISO8601("created_at") " FROM point_ledger WHERE user_id = %lld"
      " ORDER BY id DESC LIMIT 50" },
    { "gh_padm_manual", GH_SQL_POINTS_CREDIT("manual") },
    { "gh_padm_failed",
      "SELECT " GH_SQL_ORDER_COLUMNS " FROM payment_orders WHERE status = 'FAILED'"
      " ORDER BY created_at DESC, id DESC LIMIT %lld" },
    /* refunds made at Toss, and what each took back or left owed */
    { "gh_padm_refunds",
      "SELECT pc.order_id, po.user_id, pc.transaction_key, pc.amount, -pl.delta, pl.debt_delta, "
      GH_SQL_ISO8601("pc.created_at") " FROM payment_cancels pc"
      " JOIN payment_orders po ON po.order_id = pc.order_id"
      " LEFT JOIN point_ledger pl ON pl.source_type = 'toss_refund'"
      " AND pl.source_id = pc.transaction_key"
      " WHERE pc.origin = 'toss' ORDER BY pc.id DESC LIMIT 100" },
    { "gh_padm_debtors",
      "SELECT id, points_debt, remaining_points FROM users WHERE points_debt > 0"
      " ORDER BY points_debt DESC, id LIMIT 200" },
    { "gh_padm_mismatches",
      "SELECT user_id, remaining_points, ledger_sum FROM point_balance_mismatches"
      " ORDER BY user_id LIMIT 100" },
    { NULL, NULL }
};

static const gh_col_t cancel_cols[] = {         /* gh_padm_cancels */
    { "id", GH_COL_TEXT, "id" }, { "amount", GH_COL_INT, "amount" },
    { "status", GH_COL_TEXT, "status" }, { "reason", GH_COL_TEXT, "reason" }, { NULL, 0, NULL }
};

static const gh_col_t points_cols[] = {         /* gh_padm_points */
    { "remaining_points", GH_COL_INT, "remaining_points" },
    { "ledger_sum", GH_COL_INT, "ledger_sum" }, { "consistent", GH_COL_BOOL, "consistent" },
    { NULL, 0, NULL }
};

static const gh_col_t ledger_cols[] = {         /* gh_padm_ledger */
    { "id", GH_COL_TEXT, "id" }, { "delta", GH_COL_INT, "delta" },
    { "balance_after", GH_COL_INT, "balance_after" }, { "reason", GH_COL_TEXT, "reason" },
    { "source_type", GH_COL_TEXT, "source_type" }, { "source_id", GH_COL_TEXT, "source_id" },
    { "created_at", GH_COL_TIME, "created_at" }, { NULL, 0, NULL }
};

static const gh_col_t refund_cols[] = {         /* gh_padm_refunds */
    { "order_id", GH_COL_TEXT, "order_id" }, { "user_id", GH_COL_TEXT, "user_id" },
    { "transaction_key", GH_COL_TEXT, "transaction_key" }, { "amount", GH_COL_INT, "amount" },
    { "points_taken", GH_COL_INT, "points_taken" }, { "debt_added", GH_COL_INT, "debt_added" },
    { "created_at", GH_COL_TIME, "created_at" }, { NULL, 0, NULL }
};

static const gh_col_t debtor_cols[] = {         /* gh_padm_debtors */
    { "id", GH_COL_TEXT, "user_id" }, { "points_debt", GH_COL_INT, "debt" },
    { "remaining_points", GH_COL_INT, "remaining_points" }, { NULL, 0, NULL }
};

static const gh_col_t mismatch_cols[] = {       /* gh_padm_mismatches */
    { "user_id", GH_COL_TEXT, "user_id" }, { "remaining_points", GH_COL_INT, "remaining_points" },
    { "ledger_sum", GH_COL_INT, "ledger_sum" }, { NULL, 0, NULL }
};

/* The core's reasons that have codes of their own here. */
static const gh_reason_map_t errors[] = {
    { "order",            GH_E_ORDER_NOT_FOUND },
    { "payment_mismatch", GH_E_PAYMENT_MISMATCH },
    { "key_reused",       GH_E_IDEMPOTENCY_KEY_REUSED },
    { NULL, 0 }
};

static int answer(request_rec *r, gh_result_t res)
{
    return gh_answer_mapped(r, res, errors);
}

/* A user id: decimal digits, as a JSON integer or string or a path part. */
static int user_id_text(const char *s)
{
    apr_size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        n++;
    }
    return n > 0 && n <= 18 && s[n] == '\0' && s[0] != '0';
}

/* The order with its refunds: a new reference in *out. */
static int order_detail(request_rec *r, const gh_pay_order_t *o, json_object **out)
{
    const char *args[] = { o->order_id };
    apr_array_header_t *rows;
    int status;

    *out = gh_json_own(r->pool, gh_pay_order_json(o));
    if ((status = gh_answer(r, gh_db_query(r, "gh_padm_cancels", 1, args, &rows))) != OK) {
        return status;
    }
    json_object_object_add(*out, "cancels", gh_rows_array(cancel_cols, rows, -1));
    return OK;
}

static int payment_status(request_rec *r, const gh_route_params_t *params)
{
    gh_pay_order_t o;
    json_object *out;
    int status;

    if ((status = answer(r, gh_pay_load(r, gh_route_param(params, "order_id"), &o))) != OK
        || (status = order_detail(r, &o, &out)) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

static int user_points(request_rec *r, const gh_route_params_t *params)
{
    const char *uid = gh_route_param(params, "user_id");
    const char *args[] = { uid };
    apr_array_header_t *rows, *ledger;
    json_object *out;
    int status;

    if (!user_id_text(uid)) {
        return gh_fail(r, GH_E_USER_NOT_FOUND, "No such user.");
    }
    if ((status = gh_answer(r, gh_db_query(r, "gh_padm_points", 1, args, &rows))) != OK
        || (status = gh_answer(r, gh_db_query(r, "gh_padm_ledger", 1, args, &ledger))) != OK) {
        return status;
    }
    if (rows->nelts == 0) {
        return gh_fail(r, GH_E_USER_NOT_FOUND, "No such user.");
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "user_id", json_object_new_string(uid));
    gh_rows_add(out, points_cols, gh_rows_row(rows, 0));
    json_object_object_add(out, "ledger", gh_rows_array(ledger_cols, ledger, -1));
    return gh_send_json(r, HTTP_OK, out);
}

static int manual_add(request_rec *r, const gh_route_params_t *params)
{
    static const gh_range_t any = { 1, APR_INT64_C(1000000000000) };
    const char *uid = NULL, *reason, *key, *src;
    json_object *in, *v, *out;
    apr_int64_t amount;
    gh_pay_entry_t e;
    int status;

    (void)params;
    if ((status = gh_http_read_object(r, &in)) != OK) {
        return status;
    }
    if (json_object_object_get_ex(in, "user_id", &v)) {
        uid = json_object_is_type(v, json_type_int)
              ? apr_psprintf(r->pool, "%" APR_INT64_T_FMT, json_object_get_int64(v))
              : gh_json_str_of(v);
    }
    if (uid == NULL || !user_id_text(uid)) {
        return gh_fail(r, GH_E_INVALID_REQUEST, "user_id must be a user's id.");
    }
    if ((status = gh_http_int(r, in, "amount", any.min, any.max, &amount)) != OK
        || (status = gh_http_field(r, in, "reason", 200, 1, &reason)) != OK
        || (status = answer(r, gh_pay_idempotency_key(r, &key))) != OK) {
        return status;
    }
    if (key == NULL && (key = gh_money_reference(r->pool, 0)) == NULL) {
        return gh_fail(r, GH_E_INTERNAL_ERROR, "No randomness.");
    }
    src = apr_pstrcat(r->pool, "admin:", key, NULL);
    if ((status = answer(r, gh_pay_points_entry(r, "gh_padm_manual", uid, amount, reason, src,
                                                 r->user, &e))) != OK) {
        return status;
    }
    if (!e.made) {
        return gh_fail(r, GH_E_USER_NOT_FOUND, "No such user.");
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "admin %s added %" APR_INT64_T_FMT
                  " points to user %s (ledger %s)", r->user, amount, uid, e.id);
    out = gh_json_object(r->pool);
    json_object_object_add(out, "user_id", json_object_new_string(uid));
    json_object_object_add(out, "added", json_object_new_int64(amount));
    json_object_object_add(out, "remaining_points", gh_money_int(e.balance_after));
    json_object_object_add(out, "ledger_id", json_object_new_string(e.id));
    return gh_send_json(r, HTTP_OK, out);
}

/* Asks Toss about o's payment: a->code is set when Toss has none. */
static int ask_toss(request_rec *r, const gh_pay_order_t *o, gh_tp_answer_t *a)
{
    const char *path = o->payment_key
                       ? apr_pstrcat(r->pool, "/v1/payments/", o->payment_key, NULL)
                       : apr_pstrcat(r->pool, "/v1/payments/orders/", o->order_id, NULL);
    int status = gh_http_require(r, GH_NEED_TOSS_PAYMENTS);

    if (status != OK || (status = answer(r, gh_tp_call(r, path, NULL, NULL, a))) != OK) {
        return status;
    }
    switch (gh_pay_lookup(a)) {
    case GH_LOOKUP_RETRY_LATER:
        return answer(r, gh_tp_retry_later(r, a));
    case GH_LOOKUP_REFUSED:
        return answer(r, gh_tp_unexpected(r, a->code));
    case GH_LOOKUP_NONE:
    case GH_LOOKUP_PAYMENT:
        break;
    }
    return OK;
}

static int check_payment(request_rec *r, const gh_route_params_t *params)
{
    gh_pay_order_t o;
    gh_tp_answer_t a;
    json_object *out, *order;
    int status, changed = 0;

    if ((status = answer(r, gh_pay_load(r, gh_route_param(params, "order_id"), &o))) != OK
        || (status = ask_toss(r, &o, &a)) != OK
        || (a.code == NULL
            && (status = answer(r, gh_pay_reconcile(r, &o, &a, 1, &changed))) != OK)
        || (status = order_detail(r, &o, &order)) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "order", json_object_get(order));   /* order is pool-owned */
    json_object_object_add(out, "toss_status", a.code ? NULL : json_object_new_string(a.status));
    json_object_object_add(out, "changed", json_object_new_boolean(changed));
    return gh_send_json(r, HTTP_OK, out);
}

static int recover(request_rec *r, const gh_route_params_t *params)
{
    gh_pay_order_t o;
    gh_tp_answer_t a;
    json_object *out;
    int status, changed = 0;

    if ((status = answer(r, gh_pay_load(r, gh_route_param(params, "order_id"), &o))) != OK) {
        return status;
    }
    if (!gh_pay_open(&o)) {
        return gh_fail(r, GH_E_NOT_RECOVERABLE,
                       apr_pstrcat(r->pool, "The order is ", o.status, ".", NULL));
    }
    if ((status = ask_toss(r, &o, &a)) != OK) {
        return status;
    }
    if (a.code || strcmp(a.status, "DONE") != 0) {
        return gh_fail(r, GH_E_NOT_RECOVERABLE, apr_pstrcat(r->pool,
                       "Toss's payment is ", a.code ? "missing" : a.status, ".", NULL));
    }
    if ((status = answer(r, gh_pay_reconcile(r, &o, &a, 0, &changed))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "recovered", json_object_new_boolean(changed));
    json_object_object_add(out, "order", gh_pay_order_json(&o));
    return gh_send_json(r, HTTP_OK, out);
}

static int list_failed(request_rec *r, const gh_route_params_t *params)
{
    const char *limit = "50";
    apr_table_t *qs;
    apr_array_header_t *rows;
    json_object *out, *list;
    int status;

    (void)params;
    if ((status = gh_http_query(r, &qs)) != OK
        || (status = gh_http_query_one(r, qs, "limit", &limit)) != OK) {
        return status;
    }
    if (limit == NULL) {
        limit = "50";
    }
    if (!user_id_text(limit) || apr_atoi64(limit) > 200) {
        return gh_fail(r, GH_E_INVALID_REQUEST, "limit must be 1 to 200.");
    }
    {
        const char *args[] = { limit };
        if ((status = gh_answer(r, gh_db_query(r, "gh_padm_failed", 1, args, &rows))) != OK) {
            return status;
        }
    }
    list = json_object_new_array();
    for (int i = 0; i < rows->nelts; i++) {
        gh_pay_order_t o;
        gh_pay_order_row(gh_rows_row(rows, i), &o);
        json_object_array_add(list, gh_pay_order_json(&o));
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "orders", list);
    return gh_send_json(r, HTTP_OK, out);
}

static int ledger_check(request_rec *r, const gh_route_params_t *params)
{
    apr_array_header_t *rows;
    json_object *out;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_db_query(r, "gh_padm_mismatches", 0, NULL, &rows))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "consistent", json_object_new_boolean(rows->nelts == 0));
    json_object_object_add(out, "mismatches", gh_rows_array(mismatch_cols, rows, -1));
    return gh_send_json(r, HTTP_OK, out);
}

/* Refunds made at Toss (its console) and the debts they left: the points
 * were taken back through the ledger, and what was already spent is owed,
 * paid first from the user's next credits. */
static int debts(request_rec *r, const gh_route_params_t *params)
{
    apr_array_header_t *refunds, *debtors;
    json_object *out;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_db_query(r, "gh_padm_debtors", 0, NULL, &debtors))) != OK
        || (status = gh_answer(r, gh_db_query(r, "gh_padm_refunds", 0, NULL, &refunds))) != OK) {
        return status;
    }
    out = gh_json_object(r->pool);
    json_object_object_add(out, "debts", gh_rows_array(debtor_cols, debtors, -1));
    json_object_object_add(out, "toss_refunds", gh_rows_array(refund_cols, refunds, -1));
    return gh_send_json(r, HTTP_OK, out);
}

static const gh_route_t routes[] = {
    { "GET",  "/debug/payment-status/{order_id}",         payment_status, GH_ROUTE_AUTH },
    { "GET",  "/debug/user-points/{user_id}",             user_points,    GH_ROUTE_AUTH },
    { "POST", "/admin/manual-add-points",                 manual_add,     GH_ROUTE_AUTH },
    { "GET",  "/admin/check-payment/{order_id}",          check_payment,  GH_ROUTE_AUTH },
    { "POST", "/admin/recover-failed-payment/{order_id}", recover,        GH_ROUTE_AUTH },
    { "GET",  "/admin/list-failed-payments",              list_failed,    GH_ROUTE_AUTH },
    { "GET",  "/admin/ledger-check",                      ledger_check,   GH_ROUTE_AUTH },
    { "GET",  "/admin/debts",                             debts,          GH_ROUTE_AUTH },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_payments_admin = { "payments-admin", routes, statements, NULL, NULL };
