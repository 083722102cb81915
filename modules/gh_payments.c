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

#define IDEMPOTENCY_KEY_MAX 300

/* Gives back the points of the refunds in a CTE named c (id, order_id,
 * amount) that Toss did not make. */
#define SQL_REVERSE_REFUNDS \
    " back AS (SELECT c.id AS cid, c.amount, po.user_id FROM c" \
    " JOIN payment_orders po ON po.order_id = c.order_id)," \
    " u AS (UPDATE users SET remaining_points = remaining_points + back.amount FROM back" \
    " WHERE users.id = back.user_id RETURNING users.id, users.remaining_points, back.cid," \
    " back.amount)," \
    " l AS (INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type," \
    " source_id) SELECT id, amount, remaining_points, 'Refund not made', 'toss_cancel_reversal'," \
    " cid::text FROM u)"

const gh_db_stmt_t gh_payments_statements[] = {
    { "gh_pay_order",
      "SELECT " GH_SQL_ORDER_COLUMNS " FROM payment_orders WHERE order_id = %s" },
    { "gh_pay_credit",
      "WITH p AS (SELECT CAST(%s AS text) AS oid, CAST(%s AS text) AS pkey,"
      " CAST(%s AS timestamptz) AS approved),"
      " o AS (UPDATE payment_orders o SET status = 'DONE', payment_key = p.pkey,"
      " approved_at = coalesce(p.approved, now()), failure_code = NULL, failure_message = NULL,"
      " updated_at = now() FROM p WHERE o.order_id = p.oid AND o.provider = 'toss'"
      " AND o.status IN ('READY', 'FAILED') RETURNING o.user_id, o.amount, o.order_id),"
      GH_SQL_CREDIT_ORDERS("toss_payment", "Toss payment")
      " SELECT count(*) FROM l" },
    { "gh_pay_mark",
      "UPDATE payment_orders SET status = %s, failure_code = %s, failure_message = %s,"
      " updated_at = now() WHERE order_id = %s AND provider = 'toss'"
      " AND status IN ('READY', 'FAILED') RETURNING status" },
    /* Refunds Toss has made (its cancelled total covers them) are DONE;
     * with may_fail, one Toss never made, a minute on, is undone. */
    { "gh_pay_settle",
      "WITH p AS (SELECT CAST(%s AS text) AS oid, CAST(%s AS bigint) AS tossc,"
      " CAST(%s AS bigint) AS bal, CAST(%s AS boolean) AS may_fail),"
      " done AS (SELECT coalesce(sum(pc.amount), 0) AS s FROM payment_cancels pc, p"
      " WHERE pc.order_id = p.oid AND pc.status = 'DONE'),"
      " pend AS (SELECT pc.id, pc.amount, pc.created_at FROM payment_cancels pc, p"
      " WHERE pc.order_id = p.oid AND pc.status = 'PENDING'),"
      " ok AS (UPDATE payment_cancels pc SET status = 'DONE', updated_at = now()"
      " FROM pend, done, p WHERE pc.id = pend.id AND p.tossc >= done.s + pend.amount"
      " RETURNING pc.id),"
      " c AS (UPDATE payment_cancels pc SET status = 'FAILED', failure_code = 'NOT_AT_TOSS',"
      " updated_at = now() FROM pend, done, p WHERE pc.id = pend.id AND p.may_fail"
      " AND p.tossc < done.s + pend.amount AND pend.created_at < now() - interval '1 minute'"
      " RETURNING pc.id, pc.order_id, pc.amount),"
      SQL_REVERSE_REFUNDS ","
      " st AS (UPDATE payment_orders po SET status = 'CANCELLED', updated_at = now() FROM p"
      " WHERE po.order_id = p.oid AND po.status = 'DONE' AND p.bal = 0 RETURNING 1)"
      " SELECT (SELECT count(*) FROM ok) + (SELECT count(*) FROM c) + (SELECT count(*) FROM st),"
      " (SELECT s FROM done) + (SELECT coalesce(sum(amount), 0) FROM pend)" },
    /* The points leave before Toss is asked to refund, so they cannot be
     * spent while the refund is in flight; one refund at a time per order
     * (a unique index on PENDING). */
    { "gh_pay_cancel_begin",
      "WITH p AS (SELECT CAST(%s AS bigint) AS uid, CAST(%s AS text) AS oid,"
      " CAST(%s AS bigint) AS req, CAST(%s AS text) AS reason,"
      " nextval('payment_cancels_id_seq') AS cid),"
      " o AS (SELECT po.order_id, po.amount, po.status, po.payment_key FROM payment_orders po, p"
      " WHERE po.order_id = p.oid AND po.user_id = p.uid AND po.provider = 'toss'"
      " FOR UPDATE OF po),"
      " rest AS (SELECT o.amount - coalesce((SELECT sum(pc.amount) FROM payment_cancels pc"
      " WHERE pc.order_id = o.order_id AND pc.status <> 'FAILED'), 0) AS n FROM o),"
      " amt AS (SELECT coalesce(p.req, rest.n) AS a, rest.n FROM p, rest, o"
      " WHERE o.status = 'DONE'),"
      " u AS (UPDATE users SET remaining_points = remaining_points - amt.a FROM p, amt"
      " WHERE users.id = p.uid AND amt.a > 0 AND amt.a <= amt.n"
      " AND users.remaining_points >= amt.a RETURNING users.remaining_points),"
      " c AS (INSERT INTO payment_cancels (id, order_id, amount, reason)"
      " SELECT p.cid, p.oid, amt.a, p.reason FROM p, amt, u RETURNING id),"
      " l AS (INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type,"
      " source_id) SELECT p.uid, -amt.a, u.remaining_points, 'Refund of order ' || p.oid,"
      " 'toss_cancel', p.cid::text FROM p, amt, u)"
      " SELECT o.status, o.payment_key, amt.a, amt.n, (SELECT id FROM c),"
      " (SELECT remaining_points FROM u), EXISTS (SELECT 1 FROM payment_cancels pc"
      " WHERE pc.order_id = o.order_id AND pc.status = 'PENDING')"
      " FROM o LEFT JOIN amt ON true" },
    { "gh_pay_cancel_done",
      "WITH c AS (UPDATE payment_cancels SET status = 'DONE', transaction_key = %s,"
      " updated_at = now() WHERE id = CAST(%s AS bigint) AND status = 'PENDING'"
      " RETURNING order_id),"
      " o AS (UPDATE payment_orders po SET status = 'CANCELLED', updated_at = now() FROM c"
      " WHERE po.order_id = c.order_id AND CAST(%s AS bigint) = 0 AND po.status = 'DONE'"
      " RETURNING 1)"
      " SELECT count(*) FROM c" },
    { "gh_pay_cancel_fail",
      "WITH c AS (UPDATE payment_cancels SET status = 'FAILED', failure_code = %s,"
      " updated_at = now() WHERE id = CAST(%s AS bigint) AND status = 'PENDING'"
      " RETURNING id, order_id, amount),"
      SQL_REVERSE_REFUNDS
      " SELECT count(*) FROM c" },
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
        return gh_fail(r, HTTP_BAD_REQUEST, "invalid_request",
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

    if ((status = gh_db_query(r, "gh_pay_order", 1, args, &rows)) != OK) {
        return status;
    }
    if (rows->nelts == 0
        || strcmp(APR_ARRAY_IDX(rows, 0, const char **)[2], "toss") != 0) {
        return gh_fail(r, HTTP_NOT_FOUND, "order_not_found", "No such order.");
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
    int status = gh_db_query(r, "gh_pay_credit", 3, args, &rows);

    *credited = status == OK && counted(rows);
    if (*credited) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "order %s paid and credited", order_id);
    }
    return status;
}

int gh_pay_mark(request_rec *r, const char *order_id, const char *status, const char *code,
                const char *message, int *changed)
{
    const char *args[] = { status, code, message, order_id };
    apr_array_header_t *rows;
    int rv = gh_db_query(r, "gh_pay_mark", 4, args, &rows);

    *changed = rv == OK && rows->nelts > 0;
    return rv;
}

static int settle_refunds(request_rec *r, const gh_pay_order_t *o, const gh_tp_answer_t *a,
                          int may_fail, int *changed)
{
    const char *args[] = {
        o->order_id, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, a->total_amount - a->balance_amount),
        apr_psprintf(r->pool, "%" APR_INT64_T_FMT, a->balance_amount), may_fail ? "true" : "false"
    };
    apr_array_header_t *rows;
    const char **row;
    int status;

    if ((status = gh_db_query(r, "gh_pay_settle", 4, args, &rows)) != OK) {
        return status;
    }
    row = APR_ARRAY_IDX(rows, 0, const char **);
    *changed = apr_atoi64(row[0]) > 0;
    if (a->total_amount - a->balance_amount > apr_atoi64(row[1])) {
        /* refunded at Toss (its dashboard) without us: the points stay */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "order %s: Toss has refunded %"
                      APR_INT64_T_FMT " won, more than this server asked for (%s); the "
                      "points were not taken back and need review", o->order_id,
                      a->total_amount - a->balance_amount, row[1]);
    }
    return OK;
}

int gh_pay_reconcile(request_rec *r, gh_pay_order_t *o, const gh_tp_answer_t *a,
                     int may_fail_refunds, int *changed)
{
    int open = strcmp(o->status, "READY") == 0 || strcmp(o->status, "FAILED") == 0;
    int status = OK;

    *changed = 0;
    if (strcmp(a->order_id, o->order_id) != 0 || a->total_amount != o->amount) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "Toss payment %s (order %s, %" APR_INT64_T_FMT
                      " won) does not match order %s (%" APR_INT64_T_FMT " won); left alone",
                      a->payment_key, a->order_id, a->total_amount, o->order_id, o->amount);
        return gh_fail(r, HTTP_CONFLICT, "payment_mismatch",
                       "Toss's payment does not match this order.");
    }
    if (!open) {
        /* refunds of a paid order: settled whatever Toss's status says */
        if (strcmp(o->status, "DONE") == 0) {
            status = settle_refunds(r, o, a, may_fail_refunds, changed);
        }
    }
    else if (strcmp(a->status, "DONE") == 0) {
        status = gh_pay_credit(r, o->order_id, a->payment_key, a->approved_at, changed);
    }
    else if (strcmp(a->status, "CANCELED") == 0 || strcmp(a->status, "PARTIAL_CANCELED") == 0) {
        status = gh_pay_mark(r, o->order_id, "CANCELLED", a->status,
                             "Cancelled at Toss before it was confirmed here.", changed);
    }
    else if (strcmp(a->status, "ABORTED") == 0 || strcmp(a->status, "EXPIRED") == 0) {
        status = gh_pay_mark(r, o->order_id, "FAILED", a->status,
                             "The payment was not completed at Toss.", changed);
    }
    return status == OK ? gh_pay_load(r, o->order_id, o) : status;
}

int gh_pay_entry_check(request_rec *r, const gh_pay_entry_t *e, const char *user_id,
                       apr_int64_t amount, const char *reason)
{
    if (e->replay && ((e->delta < 0 ? -e->delta : e->delta) != amount
                      || strcmp(e->reason, reason) != 0 || strcmp(e->user_id, user_id) != 0)) {
        return gh_fail(r, HTTP_UNPROCESSABLE_ENTITY, "idempotency_key_reused",
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
    int status = gh_db_query(r, label, 5, args, &rows);

    if (status == HTTP_CONFLICT) {      /* the same src committed first: replay it */
        status = gh_db_query(r, label, 5, args, &rows);
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
