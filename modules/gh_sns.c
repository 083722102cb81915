/* SNS channels, accounts and imports: the statements and their rows as
 * JSON. The import itself is one SQL function (sql/010, sns_import). */
#include <string.h>

#include "apr_strings.h"

#include "gh_db.h"
#include "gh_json.h"
#include "gh_rows.h"
#include "gh_sns.h"
#include "gh_text.h"

#define ACCOUNT_COLUMNS(prefix) \
    prefix "id, " prefix "channel, " prefix "handle, " prefix "item_count, " \
    GH_SQL_ISO8601(prefix "created_at") ", " GH_SQL_ISO8601(prefix "updated_at")

const gh_db_stmt_t gh_sns_statements[] = {
    { "gh_sns_channels",
      "SELECT id, name, icon_url, sort_order FROM sns_channels WHERE is_active"
      " ORDER BY sort_order, id" },
    { "gh_sns_import",
      "SELECT " ACCOUNT_COLUMNS("o_") ", o_outcome, o_imported, o_updated, o_unchanged"
      " FROM sns_import(%lld, %s, %s, CAST(%s AS text[]), CAST(%s AS text[]),"
      " CAST(%s AS timestamptz[]))" },
    { "gh_sns_accounts",
      "SELECT " ACCOUNT_COLUMNS("") " FROM (SELECT a.id, a.channel_id AS channel, a.handle,"
      " (SELECT count(*) FROM sns_items si WHERE si.account_id = a.id) AS item_count,"
      " a.created_at, a.updated_at FROM user_sns_accounts a"
      " JOIN sns_channels c ON c.id = a.channel_id WHERE a.user_id = %lld"
      " ORDER BY c.sort_order, a.id) x" },
    { "gh_sns_unlink",
      "DELETE FROM user_sns_accounts WHERE id = %lld AND user_id = %lld RETURNING id" },
    { NULL, NULL }
};

static const gh_col_t channel_cols[] = {        /* gh_sns_channels */
    { "id", GH_COL_TEXT, "id" }, { "name", GH_COL_TEXT, "name" },
    { "icon_url", GH_COL_TEXT, "icon_url" }, { "sort_order", GH_COL_INT, "sort_order" },
    { NULL, 0, NULL }
};

/* gh_sns_accounts; gh_sns_import's first columns */
#define ACCOUNT_COLS \
    { "id", GH_COL_TEXT, "id" }, { "channel", GH_COL_TEXT, "channel" }, \
    { "handle", GH_COL_TEXT, "handle" }, { "item_count", GH_COL_INT, "item_count" }, \
    { "created_at", GH_COL_TIME, "created_at" }, { "updated_at", GH_COL_TIME, "updated_at" }

static const gh_col_t account_cols[] = { ACCOUNT_COLS, { NULL, 0, NULL } };

static const gh_col_t import_cols[] = {         /* gh_sns_import */
    ACCOUNT_COLS, { "outcome", GH_COL_TEXT, NULL }, { "imported", GH_COL_INT, NULL },
    { "updated", GH_COL_INT, NULL }, { "unchanged", GH_COL_INT, NULL }, { NULL, 0, NULL }
};

/* {"items":[rows as cols makes them]} */
static gh_result_t list(request_rec *r, const char *label, int nargs, const char *const *args,
                        const gh_col_t *cols, json_object **out)
{
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, label, nargs, args, &rows);

    if (res.kind == GH_OK) {
        *out = gh_json_object(r->pool);
        json_object_object_add(*out, "items", gh_rows_array(cols, rows, -1));
    }
    return res;
}

gh_result_t gh_sns_channels(request_rec *r, json_object **out)
{
    return list(r, "gh_sns_channels", 0, NULL, channel_cols, out);
}

gh_result_t gh_sns_accounts(request_rec *r, const char *user_id, json_object **out)
{
    const char *args[] = { user_id };

    return list(r, "gh_sns_accounts", 1, args, account_cols, out);
}

gh_result_t gh_sns_import(request_rec *r, const char *user_id, const char *channel,
                          const char *handle, const gh_sns_item_t *items, int n,
                          json_object **out)
{
    const char **ids = apr_palloc(r->pool, sizeof(*ids) * (n + 1));
    const char **texts = apr_palloc(r->pool, sizeof(*texts) * (n + 1));
    const char **times = apr_palloc(r->pool, sizeof(*times) * (n + 1));
    const char *args[6], *outcome, *const *row;
    apr_array_header_t *rows;
    gh_result_t res;

    for (int i = 0; i < n; i++) {
        ids[i] = items[i].external_id;
        texts[i] = items[i].text;
        times[i] = items[i].posted_at;
    }
    args[0] = user_id;
    args[1] = channel;
    args[2] = handle;
    args[3] = gh_pg_array(r->pool, ids, n);
    args[4] = gh_pg_array(r->pool, texts, n);
    args[5] = gh_pg_array(r->pool, times, n);
    if ((res = gh_db_query(r, "gh_sns_import", 6, args, &rows)).kind != GH_OK) {
        return res;
    }
    if (rows->nelts != 1) {
        return gh_result(GH_INTERNAL, NULL, "The import gave no answer.");
    }
    row = gh_rows_row(rows, 0);
    outcome = gh_rows_text(import_cols, row, "outcome");
    if (strcmp(outcome, "user") == 0) {
        return gh_result(GH_NOT_FOUND, "user", "The user no longer exists.");
    }
    if (strcmp(outcome, "channel") == 0) {
        return gh_result(GH_BAD_INPUT, "unknown_channel",
                         apr_psprintf(r->pool, "No such SNS channel: %s.", channel));
    }
    if (strcmp(outcome, "duplicate") == 0) {
        return gh_result(GH_BAD_INPUT, "duplicate", NULL);
    }
    *out = gh_json_object(r->pool);
    json_object_object_add(*out, "account", gh_rows_object(import_cols, row));
    json_object_object_add(*out, "imported",
                           json_object_new_int64(gh_rows_int(import_cols, row, "imported")));
    json_object_object_add(*out, "updated",
                           json_object_new_int64(gh_rows_int(import_cols, row, "updated")));
    json_object_object_add(*out, "unchanged",
                           json_object_new_int64(gh_rows_int(import_cols, row, "unchanged")));
    return res;
}

gh_result_t gh_sns_unlink(request_rec *r, const char *user_id, const char *account_id)
{
    const char *args[] = { account_id, user_id };
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, "gh_sns_unlink", 2, args, &rows);

    if (res.kind == GH_OK && rows->nelts == 0) {
        return gh_result(GH_NOT_FOUND, "account", "No such SNS account.");
    }
    return res;
}
