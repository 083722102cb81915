/* The user's orders and ledger, keyset-paginated by row id (gh_page). */
#include "apr_hash.h"
#include "http_protocol.h"

#include "gh_http.h"
#include "gh_json.h"
#include "gh_money.h"
#include "gh_pay_history.h"
#include "gh_text.h"

#define BEFORE "id < coalesce(CAST(%s AS bigint), 9223372036854775807)"

const gh_db_stmt_t gh_pay_history_statements[] = {
    { "gh_ph_orders",
      "SELECT po.id, po.order_id, po.provider, po.amount, po.order_name, po.status,"
      " po.failure_code, " GH_SQL_ISO8601("po.created_at") ", " GH_SQL_ISO8601("po.approved_at")
      ", (SELECT coalesce(sum(pc.amount), 0) FROM payment_cancels pc"
      " WHERE pc.order_id = po.order_id AND pc.status = 'DONE')"
      " FROM payment_orders po WHERE po.user_id = %lld AND po." BEFORE
      " ORDER BY po.id DESC LIMIT %lld" },
    { "gh_ph_cancels",
      "SELECT order_id, id, amount, status, reason, origin, " GH_SQL_ISO8601("created_at")
      " FROM payment_cancels WHERE order_id = ANY (CAST(%s AS text[])) ORDER BY id" },
    { "gh_ph_user",
      "SELECT remaining_points, points_debt FROM users WHERE id = %lld" },
    { "gh_ph_ledger",
      "SELECT id, source_type, source_id, delta, balance_after, debt_delta, debt_after, reason, "
      GH_SQL_ISO8601("created_at") " FROM point_ledger WHERE user_id = %lld AND " BEFORE
      " ORDER BY id DESC LIMIT %lld" },
    { NULL, NULL }
};

static void add_text(json_object *obj, const char *name, const char *v)
{
    json_object_object_add(obj, name, v ? json_object_new_string(v) : NULL);
}

/* The refunds of the orders on a page, each added to its order's list. */
static int page_cancels(request_rec *r, apr_hash_t *lists, const char **ids, int n)
{
    const char *args[1];
    apr_array_header_t *rows;
    int status;

    if (n == 0) {
        return OK;
    }
    args[0] = gh_pg_array(r->pool, ids, n);
    if ((status = gh_answer(r, gh_db_query(r, "gh_ph_cancels", 1, args, &rows))) != OK) {
        return status;
    }
    for (int i = 0; i < rows->nelts; i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        json_object *c = json_object_new_object();
        add_text(c, "id", row[1]);
        json_object_object_add(c, "amount", gh_money_int(row[2]));
        add_text(c, "status", row[3]);
        add_text(c, "reason", row[4]);
        add_text(c, "origin", row[5]);
        add_text(c, "created_at", row[6]);
        json_object_array_add(apr_hash_get(lists, row[0], APR_HASH_KEY_STRING), c);
    }
    return OK;
}

int gh_pay_history_orders(request_rec *r, const char *user_id, const gh_page_t *page,
                          json_object **out)
{
    const char *args[] = { user_id, page->before, page->fetch }, **ids, *last = NULL;
    apr_hash_t *lists = apr_hash_make(r->pool);
    apr_array_header_t *rows;
    json_object *list;
    int status, n = 0;

    if ((status = gh_answer(r, gh_db_query(r, "gh_ph_orders", 3, args, &rows))) != OK) {
        return status;
    }
    *out = gh_json_object(r->pool);
    list = json_object_new_array();
    json_object_object_add(*out, "payments", list);
    ids = apr_palloc(r->pool, sizeof(*ids) * (rows->nelts + 1));
    for (int i = 0; i < rows->nelts && gh_page_shows(page, i); i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        json_object *o = json_object_new_object(), *cancels = json_object_new_array();
        add_text(o, "orderId", row[1]);
        add_text(o, "provider", row[2]);
        json_object_object_add(o, "amount", gh_money_int(row[3]));
        add_text(o, "order_name", row[4]);
        add_text(o, "status", row[5]);
        add_text(o, "failure_code", row[6]);
        add_text(o, "created_at", row[7]);
        add_text(o, "approved_at", row[8]);
        json_object_object_add(o, "cancelled_amount", gh_money_int(row[9]));
        json_object_object_add(o, "cancels", cancels);
        json_object_array_add(list, o);
        apr_hash_set(lists, row[1], APR_HASH_KEY_STRING, cancels);
        ids[n++] = row[1];
        last = row[0];
    }
    if ((status = page_cancels(r, lists, ids, n)) != OK) {
        return status;
    }
    json_object_object_add(*out, "next_cursor", gh_page_next(r, page, rows->nelts, last));
    return OK;
}

int gh_pay_history_points(request_rec *r, const char *user_id, const gh_page_t *page,
                          json_object **out)
{
    const char *args[] = { user_id, page->before, page->fetch }, *last = NULL, **user;
    apr_array_header_t *rows, *users;
    json_object *list;
    int status;

    if ((status = gh_answer(r, gh_db_query(r, "gh_ph_user", 1, args, &users))) != OK
        || (status = gh_answer(r, gh_db_query(r, "gh_ph_ledger", 3, args, &rows))) != OK) {
        return status;
    }
    if (users->nelts == 0) {
        return gh_fail(r, GH_E_USER_NOT_FOUND, "The user no longer exists.");
    }
    user = APR_ARRAY_IDX(users, 0, const char **);
    *out = gh_json_object(r->pool);
    json_object_object_add(*out, "remaining_points", gh_money_int(user[0]));
    json_object_object_add(*out, "points_debt", gh_money_int(user[1]));
    list = json_object_new_array();
    json_object_object_add(*out, "entries", list);
    for (int i = 0; i < rows->nelts && gh_page_shows(page, i); i++) {
        const char **row = APR_ARRAY_IDX(rows, i, const char **);
        json_object *e = json_object_new_object();
        add_text(e, "id", row[0]);
        add_text(e, "source", row[1]);
        add_text(e, "source_id", row[2]);
        json_object_object_add(e, "amount", gh_money_int(row[3]));
        json_object_object_add(e, "balance_after", gh_money_int(row[4]));
        json_object_object_add(e, "debt_change", gh_money_int(row[5]));
        json_object_object_add(e, "debt_after", gh_money_int(row[6]));
        add_text(e, "reason", row[7]);
        add_text(e, "created_at", row[8]);
        json_object_array_add(list, e);
        last = row[0];
    }
    json_object_object_add(*out, "next_cursor", gh_page_next(r, page, rows->nelts, last));
    return OK;
}
