/* Orders, credits and reconciliation with Toss. Every change to a balance
 * is one statement that also appends its ledger row, so a balance and its
 * ledger can never disagree, and rows are locked order first, then user,
 * everywhere, so that concurrent statements cannot deadlock. What to do
 * is gh_pay_rules' decision; this file carries it out. */
#include <string.h>

#include "apr_strings.h"

#include "gh_json.h"
#include "gh_payments.h"
#include "gh_private.h"
#include "gh_rows.h"
#include "gh_text.h"

/* The open statuses, as SQL. */
#define SQL_OPEN "('READY', 'WAITING_FOR_DEPOSIT', 'FAILED')"

const gh_db_stmt_t gh_payments_statements[] = {
    { "gh_pay_order",
      "SELECT " GH_SQL_ORDER_COLUMNS " FROM payment_orders WHERE order_id = %s" },
    { "gh_pay_balance",
      "SELECT remaining_points FROM users WHERE id = %lld" },
    { "gh_pay_credit",
      "WITH p AS (SELECT CAST(%s AS text) AS oid, CAST(%s AS text) AS pkey,"
      " CAST(%s AS timestamptz) AS approved),"
      " o AS (UPDATE payment_orders o SET status = 'DONE', payment_key = p.pkey,"
      " approved_at = coalesce(p.approved, now()), failure_code = NULL, failure_message = NULL,"
      " updated_at = now() FROM p WHERE o.order_id = p.oid AND o.provider = 'toss'"
      " AND o.status IN " SQL_OPEN " RETURNING o.user_id, o.amount, o.order_id),"
      GH_SQL_CREDIT_ORDERS("toss_payment", "Toss payment")
      " SELECT count(*) FROM l" },
    { "gh_pay_mark",
      "UPDATE payment_orders SET status = %s, failure_code = %s, failure_message = %s,"
      " updated_at = now() WHERE order_id = %s AND provider = 'toss'"
      " AND status IN " SQL_OPEN " AND (status <> CAST(%s AS text) OR status = 'FAILED')"
      " RETURNING status" },
    /* refunds made at Toss, taken back once each (sql/006) */
    { "gh_pay_sync",
      "SELECT o_pending, o_taken, o_closed FROM payment_refunds_sync(%s,"
      " CAST(%s AS text[]), CAST(%s AS bigint[]), CAST(%s AS text[]), CAST(%s AS bigint))" },
    { "gh_pay_pending",
      "SELECT id, amount, reason FROM payment_cancels WHERE order_id = %s AND status = 'PENDING'"
      " ORDER BY id" },
    { "gh_pay_cancel_done",
      "WITH c AS (UPDATE payment_cancels SET status = 'DONE', transaction_key = %s,"
      " updated_at = now() WHERE id = CAST(%s AS bigint) AND status = 'PENDING'"
      " RETURNING order_id),"
      " o AS (UPDATE payment_orders po SET status = 'CANCELLED', updated_at = now() FROM c"
      " WHERE po.order_id = c.order_id AND CAST(%s AS bigint) = 0 AND po.status = 'DONE'"
      " RETURNING 1)"
      " SELECT count(*) FROM c" },
    /* a refund Toss refused: the points come back (paying any debt first) */
    { "gh_pay_cancel_fail",
      "WITH c AS (UPDATE payment_cancels SET status = 'FAILED', failure_code = %s,"
      " updated_at = now() WHERE id = CAST(%s AS bigint) AND status = 'PENDING'"
      " RETURNING id, order_id, amount),"
      " l AS (SELECT b.o_id FROM c JOIN payment_orders po ON po.order_id = c.order_id,"
      " LATERAL points_credit(po.user_id, c.amount, 'Refund not made', 'toss_cancel_reversal',"
      " c.id::text, NULL) b)"
      " SELECT count(*) FROM l" },
    { NULL, NULL }
};

/* GH_SQL_ORDER_COLUMNS, and how the admin routes show them. */
static const gh_col_t order_cols[] = {
    { "order_id", GH_COL_TEXT, "orderId" }, { "user_id", GH_COL_TEXT, "user_id" },
    { "provider", GH_COL_TEXT, "provider" }, { "amount", GH_COL_INT, "amount" },
    { "order_name", GH_COL_TEXT, "order_name" }, { "status", GH_COL_TEXT, "status" },
    { "payment_key", GH_COL_TEXT, "payment_key" },
    { "failure_code", GH_COL_TEXT, "failure_code" },
    { "failure_message", GH_COL_TEXT, "failure_message" },
    { "created_at", GH_COL_TIME, "created_at" }, { "approved_at", GH_COL_TIME, "approved_at" },
    { "billing_name", GH_COL_TEXT, NULL }, { NULL, 0, NULL }
};

static const gh_col_t entry_cols[] = {          /* GH_SQL_POINTS_CREDIT */
    { "outcome", GH_COL_TEXT, NULL }, { "o_id", GH_COL_TEXT, NULL },
    { "o_user_id", GH_COL_TEXT, NULL }, { "o_amount", GH_COL_INT, NULL },
    { "o_balance_after", GH_COL_TEXT, NULL }, { "o_reason", GH_COL_TEXT, NULL },
    { NULL, 0, NULL }
};

static const gh_col_t sync_cols[] = {           /* gh_pay_sync */
    { "o_pending", GH_COL_BOOL, NULL }, { "o_taken", GH_COL_INT, NULL },
    { "o_closed", GH_COL_BOOL, NULL }, { NULL, 0, NULL }
};

static const gh_col_t pending_cols[] = {        /* gh_pay_pending */
    { "id", GH_COL_TEXT, NULL }, { "amount", GH_COL_INT, NULL }, { "reason", GH_COL_TEXT, NULL },
    { NULL, 0, NULL }
};

/* The one column of a statement that ends "SELECT count(*)". */
static const gh_col_t count_cols[] = { { "count", GH_COL_INT, NULL }, { NULL, 0, NULL } };

gh_result_t gh_pay_idempotency_key(request_rec *r, const char **key)
{
    *key = apr_table_get(r->headers_in, "Idempotency-Key");
    return gh_pay_idempotency_key_check(*key);
}

void gh_pay_order_row(const char *const *row, gh_pay_order_t *o)
{
    o->row = row;
    o->order_id = gh_rows_text(order_cols, row, "order_id");
    o->status = gh_rows_text(order_cols, row, "status");
    o->payment_key = gh_rows_text(order_cols, row, "payment_key");
    o->amount = gh_rows_int(order_cols, row, "amount");
}

gh_result_t gh_pay_load(request_rec *r, const char *order_id, gh_pay_order_t *o)
{
    const char *args[] = { order_id };
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, "gh_pay_order", 1, args, &rows);

    if (res.kind != GH_OK) {
        return res;
    }
    if (rows->nelts == 0
        || strcmp(gh_rows_text(order_cols, gh_rows_row(rows, 0), "provider"), "toss") != 0) {
        return gh_result(GH_NOT_FOUND, "order", "No such order.");
    }
    gh_pay_order_row(gh_rows_row(rows, 0), o);
    return GH_RESULT_OK;
}

json_object *gh_pay_order_json(const gh_pay_order_t *o)
{
    return gh_rows_object(order_cols, o->row);
}

gh_result_t gh_pay_balance(request_rec *r, const char *user_id, const char **points)
{
    const char *args[] = { user_id };
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, "gh_pay_balance", 1, args, &rows);

    *points = NULL;
    if (res.kind == GH_OK && rows->nelts == 0) {
        return gh_result(GH_NOT_FOUND, "user", "The user no longer exists.");
    }
    if (res.kind == GH_OK) {
        *points = gh_rows_row(rows, 0)[0];
    }
    return res;
}

/* A "SELECT count(*)" statement counted a row. */
static int counted(const apr_array_header_t *rows)
{
    return rows->nelts > 0 && gh_rows_int(count_cols, gh_rows_row(rows, 0), "count") > 0;
}

gh_result_t gh_pay_credit(request_rec *r, const char *order_id, const char *payment_key,
                          const char *approved_at, int *credited)
{
    const char *args[] = { order_id, payment_key, gh_pay_iso_time(approved_at) };
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, "gh_pay_credit", 3, args, &rows);

    *credited = res.kind == GH_OK && counted(rows);
    if (*credited) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "order %s paid and credited", order_id);
    }
    return res;
}

gh_result_t gh_pay_mark(request_rec *r, const char *order_id, const char *status,
                        const char *code, const char *message, int *changed)
{
    const char *args[] = { status, code, message, order_id, status };
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, "gh_pay_mark", 5, args, &rows);

    *changed = res.kind == GH_OK && rows->nelts > 0;
    return res;
}

static const char *int_text(request_rec *r, apr_int64_t v)
{
    return apr_psprintf(r->pool, "%" APR_INT64_T_FMT, v);
}

gh_result_t gh_pay_refund(request_rec *r, const char *payment_key, const char *cid,
                          apr_int64_t amount, const char *reason, gh_tp_answer_t *a)
{
    json_object *body = gh_json_object(r->pool);
    apr_array_header_t *rows;
    gh_result_t res;

    json_object_object_add(body, "cancelReason", json_object_new_string(reason));
    json_object_object_add(body, "cancelAmount", json_object_new_int64(amount));
    /* the key of this refund only: asking again never refunds twice */
    res = gh_tp_call(r, apr_pstrcat(r->pool, "/v1/payments/", payment_key, "/cancel", NULL),
                     body, apr_pstrcat(r->pool, "gh-cancel-", cid, NULL), a);
    if (res.kind != GH_OK) {
        return res;                  /* held: the admin check settles it */
    }
    switch (gh_pay_refund_outcome(a)) {
    case GH_REFUND_REFUSED: {
        const char *args[] = { a->code, cid };
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "refund %s refused by Toss: %s; the points "
                      "are given back", cid, a->code);
        return gh_db_query(r, "gh_pay_cancel_fail", 2, args, &rows);
    }
    case GH_REFUND_MADE: {
        const char *args[] = { a->last_transaction_key, cid, int_text(r, a->balance_amount) };
        return gh_db_query(r, "gh_pay_cancel_done", 3, args, &rows);
    }
    case GH_REFUND_HELD:
    case GH_REFUND_UNCONFIRMED:
        break;
    }
    return GH_RESULT_OK;             /* still PENDING */
}

/* Asks Toss again about every refund of o still PENDING. */
static gh_result_t settle_pending(request_rec *r, const gh_pay_order_t *o, int *changed)
{
    const char *args[] = { o->order_id };
    apr_array_header_t *rows;
    gh_tp_answer_t a;
    gh_result_t res = gh_db_query(r, "gh_pay_pending", 1, args, &rows);

    for (int i = 0; res.kind == GH_OK && i < rows->nelts; i++) {
        const char *const *row = gh_rows_row(rows, i);
        res = gh_pay_refund(r, o->payment_key, gh_rows_text(pending_cols, row, "id"),
                            gh_rows_int(pending_cols, row, "amount"),
                            gh_rows_text(pending_cols, row, "reason"), &a);
        if (res.kind == GH_OK) {
            gh_refund_e outcome = gh_pay_refund_outcome(&a);
            *changed = *changed || outcome == GH_REFUND_MADE || outcome == GH_REFUND_REFUSED;
        }
    }
    return res;
}

/* Takes back, once each, the refunds Toss has made that are not ours. */
static gh_result_t sync_refunds(request_rec *r, const gh_pay_order_t *o,
                                const gh_tp_answer_t *a, int *changed)
{
    const char **keys = apr_palloc(r->pool, sizeof(*keys) * (a->ncancels + 1));
    const char **amounts = apr_palloc(r->pool, sizeof(*amounts) * (a->ncancels + 1));
    const char **reasons = apr_palloc(r->pool, sizeof(*reasons) * (a->ncancels + 1));
    const char *args[5], *const *row;
    apr_array_header_t *rows;
    gh_result_t res;
    apr_int64_t taken;

    for (int i = 0; i < a->ncancels; i++) {
        keys[i] = a->cancels[i].transaction_key;
        amounts[i] = int_text(r, a->cancels[i].amount);
        reasons[i] = gh_pay_toss_reason(a->cancels[i].reason);
    }
    args[0] = o->order_id;
    args[1] = gh_pg_array(r->pool, keys, a->ncancels);
    args[2] = gh_pg_array(r->pool, amounts, a->ncancels);
    args[3] = gh_pg_array(r->pool, reasons, a->ncancels);
    args[4] = int_text(r, a->balance_amount);
    if ((res = gh_db_query(r, "gh_pay_sync", 5, args, &rows)).kind != GH_OK) {
        return res;
    }
    row = gh_rows_row(rows, 0);
    taken = gh_rows_int(sync_cols, row, "o_taken");
    if (taken > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "order %s: %" APR_INT64_T_FMT " refund(s) "
                      "made at Toss taken back (GET /admin/debts lists them)", o->order_id, taken);
    }
    *changed = *changed || taken > 0 || gh_rows_bool(sync_cols, row, "o_closed");
    return res;
}

/* Carries out gh_pay_plan for an open order. */
static gh_result_t settle_open(request_rec *r, const gh_pay_order_t *o,
                               const gh_tp_answer_t *a, const gh_pay_plan_t *plan, int *changed)
{
    switch (plan->step) {
    case GH_PAY_CREDIT:
        return gh_pay_credit(r, o->order_id, a->payment_key, a->approved_at, changed);
    case GH_PAY_MARK:
        return gh_pay_mark(r, o->order_id, plan->status, plan->code, plan->message, changed);
    case GH_PAY_MISMATCH:
    case GH_PAY_STAY:
        break;
    }
    return GH_RESULT_OK;
}

gh_result_t gh_pay_reconcile(request_rec *r, gh_pay_order_t *o, const gh_tp_answer_t *a,
                             int settle_pending_refunds, int *changed)
{
    gh_pay_plan_t plan = gh_pay_plan(o, a);
    gh_result_t res = GH_RESULT_OK;

    *changed = 0;
    if (plan.step == GH_PAY_MISMATCH) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "Toss payment %s (order %s, %" APR_INT64_T_FMT
                      " won) does not match order %s (%" APR_INT64_T_FMT " won); left alone",
                      a->payment_key, a->order_id, a->total_amount, o->order_id, o->amount);
        return gh_result(GH_CONFLICT, "payment_mismatch",
                         "Toss's payment does not match this order.");
    }
    if (gh_pay_open(o) && ((res = settle_open(r, o, a, &plan, changed)).kind != GH_OK
                           || (res = gh_pay_load(r, o->order_id, o)).kind != GH_OK)) {
        return res;
    }
    /* a paid order: its refunds, whatever Toss's status says */
    if (gh_pay_refunds_due(o)) {
        if ((settle_pending_refunds && (res = settle_pending(r, o, changed)).kind != GH_OK)
            || (res = sync_refunds(r, o, a, changed)).kind != GH_OK) {
            return res;
        }
    }
    return gh_pay_load(r, o->order_id, o);
}

gh_result_t gh_pay_points_entry(request_rec *r, const char *label, const char *user_id,
                                apr_int64_t amount, const char *reason, const char *src,
                                const char *actor, gh_pay_entry_t *e)
{
    const char *args[] = { user_id, int_text(r, amount), reason, src, actor };
    const char *const *row;
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, label, 5, args, &rows);

    if (res.kind == GH_CONFLICT) {      /* the same src committed first: replay it */
        res = gh_db_query(r, label, 5, args, &rows);
    }
    memset(e, 0, sizeof(*e));
    if (res.kind != GH_OK || rows->nelts == 0) {
        return res;
    }
    row = gh_rows_row(rows, 0);
    e->made = 1;
    e->replay = strcmp(gh_rows_text(entry_cols, row, "outcome"), "replay") == 0;
    e->id = gh_rows_text(entry_cols, row, "o_id");
    e->user_id = gh_rows_text(entry_cols, row, "o_user_id");
    e->delta = gh_rows_int(entry_cols, row, "o_amount");
    e->balance_after = gh_rows_text(entry_cols, row, "o_balance_after");
    e->reason = gh_rows_text(entry_cols, row, "o_reason");
    return gh_pay_entry_check(e, user_id, amount, reason);
}
