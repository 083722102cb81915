/* The user's orders and ledger, keyset-paginated by row id (gh_page). */
#include "apr_hash.h"

#include "gh_json.h"
#include "gh_pay_history.h"
#include "gh_rows.h"
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

static const gh_col_t order_cols[] = {          /* gh_ph_orders */
    { "id", GH_COL_TEXT, NULL }, { "order_id", GH_COL_TEXT, "orderId" },
    { "provider", GH_COL_TEXT, "provider" }, { "amount", GH_COL_INT, "amount" },
    { "order_name", GH_COL_TEXT, "order_name" }, { "status", GH_COL_TEXT, "status" },
    { "failure_code", GH_COL_TEXT, "failure_code" }, { "created_at", GH_COL_TIME, "created_at" },
    { "approved_at", GH_COL_TIME, "approved_at" },
    { "cancelled_amount", GH_COL_INT, "cancelled_amount" }, { NULL, 0, NULL }
};

static const gh_col_t cancel_cols[] = {         /* gh_ph_cancels */
    { "order_id", GH_COL_TEXT, NULL }, { "id", GH_COL_TEXT, "id" },
    { "amount", GH_COL_INT, "amount" }, { "status", GH_COL_TEXT, "status" },
    { "reason", GH_COL_TEXT, "reason" }, { "origin", GH_COL_TEXT, "origin" },
    { "created_at", GH_COL_TIME, "created_at" }, { NULL, 0, NULL }
};

static const gh_col_t user_cols[] = {           /* gh_ph_user */
    { "remaining_points", GH_COL_INT, "remaining_points" },
    { "points_debt", GH_COL_INT, "points_debt" }, { NULL, 0, NULL }
};

static const gh_col_t ledger_cols[] = {         /* gh_ph_ledger */
    { "id", GH_COL_TEXT, "id" }, { "source_type", GH_COL_TEXT, "source" },
    { "source_id", GH_COL_TEXT, "source_id" }, { "delta", GH_COL_INT, "amount" },
    { "balance_after", GH_COL_INT, "balance_after" }, { "debt_delta", GH_COL_INT, "debt_change" },
    { "debt_after", GH_COL_INT, "debt_after" }, { "reason", GH_COL_TEXT, "reason" },
    { "created_at", GH_COL_TIME, "created_at" }, { NULL, 0, NULL }
};

/* How many of the rows fetched for a page it shows. */
static int shown(const apr_array_header_t *rows, const gh_page_t *page)
{
    return gh_page_shown(page, rows->nelts);
}

/* next_cursor: after the id of the last row shown, when more follow. */
static json_object *next_cursor(request_rec *r, const gh_col_t *cols,
                                const apr_array_header_t *rows, const gh_page_t *page)
{
    int n = shown(rows, page);

    return gh_page_next(r, page, rows->nelts,
                        n ? gh_rows_text(cols, gh_rows_row(rows, n - 1), "id") : NULL);
}

/* The refunds of the orders on a page, each added to its order's list. */
static gh_result_t page_cancels(request_rec *r, apr_hash_t *lists, const char **ids, int n)
{
    const char *args[1];
    apr_array_header_t *rows;
    gh_result_t res;

    if (n == 0) {
        return GH_RESULT_OK;
    }
    args[0] = gh_pg_array(r->pool, ids, n);
    if ((res = gh_db_query(r, "gh_ph_cancels", 1, args, &rows)).kind != GH_OK) {
        return res;
    }
    for (int i = 0; i < rows->nelts; i++) {
        const char *const *row = gh_rows_row(rows, i);
        json_object *list = apr_hash_get(lists, gh_rows_text(cancel_cols, row, "order_id"),
                                         APR_HASH_KEY_STRING);
        if (list) {
            json_object_array_add(list, gh_rows_object(cancel_cols, row));
        }
    }
    return res;
}

gh_result_t gh_pay_history_orders(request_rec *r, const char *user_id, const gh_page_t *page,
                                  json_object **out)
{
    const char *args[] = { user_id, page->before, page->fetch }, **ids;
    apr_hash_t *lists = apr_hash_make(r->pool);
    apr_array_header_t *rows;
    json_object *list;
    gh_result_t res;
    int n;

    if ((res = gh_db_query(r, "gh_ph_orders", 3, args, &rows)).kind != GH_OK) {
        return res;
    }
    *out = gh_json_object(r->pool);
    list = json_object_new_array();
    json_object_object_add(*out, "payments", list);
    ids = apr_palloc(r->pool, sizeof(*ids) * (rows->nelts + 1));
    n = shown(rows, page);
    for (int i = 0; i < n; i++) {
        const char *const *row = gh_rows_row(rows, i);
        json_object *o = gh_rows_object(order_cols, row), *cancels = json_object_new_array();
        json_object_object_add(o, "cancels", cancels);
        json_object_array_add(list, o);
        ids[i] = gh_rows_text(order_cols, row, "order_id");
        apr_hash_set(lists, ids[i], APR_HASH_KEY_STRING, cancels);
    }
    if ((res = page_cancels(r, lists, ids, n)).kind != GH_OK) {
        return res;
    }
    json_object_object_add(*out, "next_cursor", next_cursor(r, order_cols, rows, page));
    return res;
}

gh_result_t gh_pay_history_points(request_rec *r, const char *user_id, const gh_page_t *page,
                                  json_object **out)
{
    const char *args[] = { user_id, page->before, page->fetch };
    apr_array_header_t *rows, *users;
    gh_result_t res;

    if ((res = gh_db_query(r, "gh_ph_user", 1, args, &users)).kind != GH_OK
        || (res = gh_db_query(r, "gh_ph_ledger", 3, args, &rows)).kind != GH_OK) {
        return res;
    }
    if (users->nelts == 0) {
        return gh_result(GH_NOT_FOUND, "user", "The user no longer exists.");
    }
    *out = gh_json_own(r->pool, gh_rows_object(user_cols, gh_rows_row(users, 0)));
    json_object_object_add(*out, "entries", gh_rows_array(ledger_cols, rows, shown(rows, page)));
    json_object_object_add(*out, "next_cursor", next_cursor(r, ledger_cols, rows, page));
    return res;
}
