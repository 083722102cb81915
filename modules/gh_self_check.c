/* Self-check entries: one INSERT each, and keyset pages by id. */
#include "apr_strings.h"

#include "gh_db.h"
#include "gh_json.h"
#include "gh_rows.h"
#include "gh_self_check.h"

#define ENTRY_COLUMNS \
    "id, mood, energy, stress, sleep_minutes, note, " GH_SQL_ISO8601("created_at")

const gh_db_stmt_t gh_self_check_statements[] = {
    { "gh_self_check_list",
      "SELECT " ENTRY_COLUMNS " FROM self_check_entries WHERE user_id = %lld"
      " AND id < coalesce(CAST(%s AS bigint), 9223372036854775807) ORDER BY id DESC LIMIT %lld" },
    { "gh_self_check_add",
      "INSERT INTO self_check_entries (user_id, mood, energy, stress, sleep_minutes, note)"
      " SELECT id, %lld, %lld, %lld, %lld, %s FROM users WHERE id = %lld AND is_active"
      " RETURNING " ENTRY_COLUMNS },
    { NULL, NULL }
};

static const gh_col_t entry_cols[] = {          /* both */
    { "id", GH_COL_TEXT, "id" }, { "mood", GH_COL_INT, "mood" },
    { "energy", GH_COL_INT, "energy" }, { "stress", GH_COL_INT, "stress" },
    { "sleep_minutes", GH_COL_INT, "sleep_minutes" }, { "note", GH_COL_TEXT, "note" },
    { "created_at", GH_COL_TIME, "created_at" }, { NULL, 0, NULL }
};

gh_result_t gh_self_check_list(request_rec *r, const char *user_id, const gh_page_t *page,
                               json_object **out)
{
    const char *args[] = { user_id, page->before, page->fetch };
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, "gh_self_check_list", 3, args, &rows);

    if (res.kind == GH_OK) {
        *out = gh_page_items(r, page, entry_cols, rows);
    }
    return res;
}

static const char *num(apr_pool_t *p, apr_int64_t v)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, v);
}

gh_result_t gh_self_check_add(request_rec *r, const char *user_id, const gh_self_check_t *in,
                              json_object **out)
{
    const char *args[6];
    apr_array_header_t *rows;
    gh_result_t res;

    args[0] = num(r->pool, in->mood);
    args[1] = num(r->pool, in->energy);
    args[2] = num(r->pool, in->stress);
    args[3] = num(r->pool, in->sleep_minutes);
    args[4] = in->note;
    args[5] = user_id;
    if ((res = gh_db_query(r, "gh_self_check_add", 6, args, &rows)).kind != GH_OK) {
        return res;
    }
    if (rows->nelts == 0) {
        return gh_result(GH_NOT_FOUND, "user", "The user no longer exists.");
    }
    *out = gh_json_own(r->pool, gh_rows_object(entry_cols, gh_rows_row(rows, 0)));
    return res;
}
