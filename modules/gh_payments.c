/* Orders, credits and reconciliation with Toss. Every change to a balance
 * is one statement that also appends its ledger row, so a balance and its
 * ledger can never disagree, and rows are locked order first, then user,
 * everywhere, so that concurrent statements cannot deadlock. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_payments.h"
#include "gh_text.h"

#define IDEMPOTENCY_KEY_MAX 300

#define REFUSED(a) gh_pay_refused(a)

/* The open statuses, as SQL. */
#define SQL_OPEN "('READY', 'WAITING_FOR_DEPOSIT', 'FAILED')"

const gh_db_stmt_t gh_payments_statements[] = {
    { "gh_pay_order",
      "SELECT " GH_SQL_ORDER_COLUMNS " FROM payment_orders WHERE order_id = %s" },
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
    /* under the order's lock, so that two refunds never start at once */
    { "gh_pay_cancel_begin",
      "SELECT o_status, o_payment_key, o_amount, o_left, o_cancel_id, o_balance, o_pending"
      " FROM payment_cancel_begin(CAST(%s AS bigint), %s, CAST(%s AS bigint), %s)" },
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

int gh_pay_amount(request_rec *r, json_object *obj, const char *name, gh_range_t range,
                  apr_int64_t *out)
{
    return gh_http_int(r, obj, name, range.min, range.max, out);
}

int gh_pay_idempotency_key(request_rec *r, const char **key)
{
    const char *k = apr_table_get(r->headers_in, "Idempotency-Key");
    apr_size_t n;

    *key = k;
    if (k == NULL) {
        return OK;
    }
    for (n = 0; k[n] > 0x20 && k[n] < 0x7f; n++) {
    }
    if (n == 0 || k[n] != '\0' || n > IDEMPOTENCY_KEY_MAX) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "Idempotency-Key must be 1 to 300 printable ASCII characters.");
    }
    return OK;
}

void gh_pay_order_row(const char **row, gh_pay_order_t *o)
{
    o->order_id = row[0];
    o->user_id = row[1];
    o->provider = row[2];
    o->amount = apr_atoi64(row[3]);
    o->order_name = row[4];
    o->status = row[5];
    o->payment_key = row[6];
    o->failure_code = row[7];
    o->failure_message = row[8];
    o->created_at = row[9];
    o->approved_at = row[10];
    o->billing_name = row[11];
}

int gh_pay_load(request_rec *r, const char *order_id, gh_pay_order_t *o)
{
    const char *args[] = { order_id };
    apr_array_header_t *rows;
    int status;

    if ((status = gh_answer(r, gh_db_query(r, "gh_pay_order", 1, args, &rows))) != OK) {
        return status;
    }
    if (rows->nelts == 0
        || strcmp(APR_ARRAY_IDX(rows, 0, const char **)[2], "toss") != 0) {
        return gh_fail(r, GH_E_ORDER_NOT_FOUND, "No such order.");
    }
    gh_pay_order_row(APR_ARRAY_IDX(rows, 0, const char **), o);
    return OK;
}

static void add_str(json_object *obj, const char *name, const char *v)
{
    json_object_object_add(obj, name, v ? json_object_new_string(v) : NULL);
}

json_object *gh_pay_order_json(request_rec *r, const gh_pay_order_t *o)
{
    json_object *j = gh_json_object(r->pool);

    add_str(j, "orderId", o->order_id);
    add_str(j, "user_id", o->user_id);
    add_str(j, "provider", o->provider);
    json_object_object_add(j, "amount", json_object_new_int64(o->amount));
    add_str(j, "order_name", o->order_name);
    add_str(j, "status", o->status);
    add_str(j, "payment_key", o->payment_key);
    add_str(j, "failure_code", o->failure_code);
    add_str(j, "failure_message", o->failure_message);
    add_str(j, "created_at", o->created_at);
    add_str(j, "approved_at", o->approved_at);
    return j;
}

/* The first column of a one-row result is a count. */
static int counted(apr_array_header_t *rows)
{
    return rows->nelts > 0 && apr_atoi64(APR_ARRAY_IDX(rows, 0, const char **)[0]) > 0;
}

/* Toss's ISO 8601 time, or NULL when it is not one PostgreSQL would take. */
static const char *iso_time(const char *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";

    if (t == NULL || strlen(t) < sizeof(shape) - 1 || strlen(t) > 40) {
        return NULL;
    }
    for (apr_size_t i = 0; t[i]; i++) {
        char want = i < sizeof(shape) - 1 ? shape[i] : '\0';
        if (want == 'd' ? !(t[i] >= '0' && t[i] <= '9')
            : want ? t[i] != want : strchr("0123456789.:+-Z", t[i]) == NULL) {
            return NULL;
        }
    }
    return t;
}

int gh_pay_credit(request_rec *r, const char *order_id, const char *payment_key,
                  const char *approved_at, int *credited)
{
    const char *args[] = { order_id, payment_key, iso_time(approved_at) };
    apr_array_header_t *rows;
    int status = gh_answer(r, gh_db_query(r, "gh_pay_credit", 3, args, &rows));

    *credited = status == OK && counted(rows);
    if (*credited) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "order %s paid and credited", order_id);
    }
    return status;
}

int gh_pay_mark(request_rec *r, const char *order_id, const char *status, const char *code,
                const char *message, int *changed)
{
    const char *args[] = { status, code, message, order_id, status };
    apr_array_header_t *rows;
    int rv = gh_answer(r, gh_db_query(r, "gh_pay_mark", 5, args, &rows));

    *changed = rv == OK && rows->nelts > 0;
    return rv;
}

int gh_pay_refused(const gh_tp_answer_t *a)
{
    return a->code && !gh_tp_transient(a) && a->http_status != HTTP_CONFLICT;
}

int gh_pay_open(const gh_pay_order_t *o)
{
    return strcmp(o->status, "READY") == 0 || strcmp(o->status, "FAILED") == 0
           || strcmp(o->status, "WAITING_FOR_DEPOSIT") == 0;
}

static const char *int_text(request_rec *r, apr_int64_t v)
{
    return apr_psprintf(r->pool, "%" APR_INT64_T_FMT, v);
}

int gh_pay_refund(request_rec *r, const char *payment_key, const char *cid,
                  apr_int64_t amount, const char *reason, gh_tp_answer_t *a)
{
    json_object *body = gh_json_object(r->pool);
    apr_array_header_t *rows;
    int status;

    json_object_object_add(body, "cancelReason", json_object_new_string(reason));
    json_object_object_add(body, "cancelAmount", json_object_new_int64(amount));
    /* the key of this refund only: asking again never refunds twice */
    if ((status = gh_tp_call(r, apr_pstrcat(r->pool, "/v1/payments/", payment_key, "/cancel",
                                            NULL), body, apr_pstrcat(r->pool, "gh-cancel-", cid,
                                                                     NULL), a)) != OK) {
        return status;               /* held: the admin check settles it */
    }
    if (REFUSED(a)) {
        const char *args[] = { a->code, cid };
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "refund %s refused by Toss: %s; the points "
                      "are given back", cid, a->code);
        return gh_answer(r, gh_db_query(r, "gh_pay_cancel_fail", 2, args, &rows));
    }
    if (a->code == NULL && a->last_transaction_key) {
        const char *args[] = { a->last_transaction_key, cid, int_text(r, a->balance_amount) };
        return gh_answer(r, gh_db_query(r, "gh_pay_cancel_done", 3, args, &rows));
    }
    return OK;                       /* transient, or no key: still PENDING */
}

/* Asks Toss again about every refund of o still PENDING. */
static int settle_pending(request_rec *r, const gh_pay_order_t *o, int *changed)
{
    const char *args[] = { o->order_id };
    apr_array_header_t *rows;
    gh_tp_answer_t a;
    int status;

    if ((status = gh_answer(r, gh_db_query(r, "gh_pay_pending", 1, args, &rows))) != OK) {
        return status;
    }
    for (int i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        if ((status = gh_pay_refund(r, o->payment_key, row[0], apr_atoi64(row[1]), row[2],
                                    &a)) != OK) {
            return status;
        }
        *changed = *changed || REFUSED(&a) || (a.code == NULL && a.last_transaction_key);
    }
    return OK;
}

/* Takes back, once each, the refunds Toss has made that are not ours. */
static int sync_refunds(request_rec *r, const gh_pay_order_t *o, const gh_tp_answer_t *a,
                        int *changed)
{
    const char **keys = apr_palloc(r->pool, sizeof(*keys) * (a->ncancels + 1));
    const char **amounts = apr_palloc(r->pool, sizeof(*amounts) * (a->ncancels + 1));
    const char **reasons = apr_palloc(r->pool, sizeof(*reasons) * (a->ncancels + 1));
    const char *args[5], **row;
    apr_array_header_t *rows;
    int status;

    for (int i = 0; i < a->ncancels; i++) {
        keys[i] = a->cancels[i].transaction_key;
        amounts[i] = int_text(r, a->cancels[i].amount);
        reasons[i] = a->cancels[i].reason && gh_utf8_length(a->cancels[i].reason) <= 200
                     && !gh_has_control(a->cancels[i].reason) ? a->cancels[i].reason : NULL;
    }
    args[0] = o->order_id;
    args[1] = gh_pg_array(r->pool, keys, a->ncancels);
    args[2] = gh_pg_array(r->pool, amounts, a->ncancels);
    args[3] = gh_pg_array(r->pool, reasons, a->ncancels);
    args[4] = int_text(r, a->balance_amount);
    if ((status = gh_answer(r, gh_db_query(r, "gh_pay_sync", 5, args, &rows))) != OK) {
        return status;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    if (apr_atoi64(row[1]) > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "order %s: %s refund(s) made at Toss "
                      "taken back (GET /admin/debts lists them)", o->order_id, row[1]);
    }
    *changed = *changed || apr_atoi64(row[1]) > 0 || row[2][0] == 't';
    return OK;
}

static int reconcile_open(request_rec *r, gh_pay_order_t *o, const gh_tp_answer_t *a,
                          int *changed)
{
    if (strcmp(a->status, "DONE") == 0 || strcmp(a->status, "PARTIAL_CANCELED") == 0) {
        return gh_pay_credit(r, o->order_id, a->payment_key, a->approved_at, changed);
    }
    if (strcmp(a->status, "WAITING_FOR_DEPOSIT") == 0) {
        return gh_pay_mark(r, o->order_id, "WAITING_FOR_DEPOSIT", NULL, NULL, changed);
    }
    if (strcmp(a->status, "CANCELED") == 0) {
        return gh_pay_mark(r, o->order_id, "CANCELLED", a->status,
                           "Cancelled at Toss before it was paid here.", changed);
    }
    if (strcmp(a->status, "ABORTED") == 0 || strcmp(a->status, "EXPIRED") == 0) {
        return gh_pay_mark(r, o->order_id, "FAILED", a->status,
                           "The payment was not completed at Toss.", changed);
    }
    return OK;
}

int gh_pay_reconcile(request_rec *r, gh_pay_order_t *o, const gh_tp_answer_t *a,
                     int settle_pending_refunds, int *changed)
{
    int status = OK;

    *changed = 0;
    if (strcmp(a->order_id, o->order_id) != 0 || a->total_amount != o->amount) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "Toss payment %s (order %s, %" APR_INT64_T_FMT
                      " won) does not match order %s (%" APR_INT64_T_FMT " won); left alone",
                      a->payment_key, a->order_id, a->total_amount, o->order_id, o->amount);
        return gh_fail(r, GH_E_PAYMENT_MISMATCH,
                       "Toss's payment does not match this order.");
    }
    if (gh_pay_open(o) && ((status = reconcile_open(r, o, a, changed)) != OK
                           || (status = gh_pay_load(r, o->order_id, o)) != OK)) {
        return status;
    }
    /* a paid order: its refunds, whatever Toss's status says */
    if (strcmp(o->status, "DONE") == 0) {
        if ((settle_pending_refunds && (status = settle_pending(r, o, changed)) != OK)
            || (status = sync_refunds(r, o, a, changed)) != OK) {
            return status;
        }
    }
    return gh_pay_load(r, o->order_id, o);
}

int gh_pay_entry_check(request_rec *r, const gh_pay_entry_t *e, const char *user_id,
                       apr_int64_t amount, const char *reason)
{
    if (e->replay && ((e->delta < 0 ? -e->delta : e->delta) != amount
                      || strcmp(e->reason, reason) != 0 || strcmp(e->user_id, user_id) != 0)) {
        return gh_fail(r, GH_E_IDEMPOTENCY_KEY_REUSED,
                       "This Idempotency-Key was used for a different request.");
    }
    return OK;
}

int gh_pay_points_entry(request_rec *r, const char *label, const char *user_id,
                        apr_int64_t amount, const char *reason, const char *src,
                        const char *actor, gh_pay_entry_t *e)
{
    const char *args[] = { user_id, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, amount),
                           reason, src, actor };
    apr_array_header_t *rows;
    const char **row;
    int status = gh_answer(r, gh_db_query(r, label, 5, args, &rows));

    if (status == HTTP_CONFLICT) {      /* the same src committed first: replay it */
        status = gh_answer(r, gh_db_query(r, label, 5, args, &rows));
    }
    memset(e, 0, sizeof(*e));
    if (status != OK || rows->nelts == 0) {
        return status;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    e->made = 1;
    e->replay = strcmp(row[0], "replay") == 0;
    e->id = row[1];
    e->user_id = row[2];
    e->delta = apr_atoi64(row[3]);
    e->balance_after = row[4];
    e->reason = row[5];
    return gh_pay_entry_check(r, e, user_id, amount, reason);
}
