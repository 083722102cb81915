/* Quests and home through their SQL functions (sql/011_wellness_quests.sql),
 * which build each quest's JSON, so that every route shows the same one. */
#include <string.h>

#include "apr_strings.h"

#include "gh_json.h"
#include "gh_quests.h"
#include "gh_rows.h"
#include "gh_text.h"

const gh_db_stmt_t gh_quests_statements[] = {
    { "gh_quests_current", "SELECT quests_current(%lld) AS items" },
    { "gh_quests_progress",
      "SELECT o_outcome, o_quest FROM quest_progress(%lld, %lld, CAST(%s AS integer))" },
    { "gh_quests_complete",
      "SELECT o_outcome, o_quest, o_ledger_id, o_amount, o_balance_after"
      " FROM quest_complete(%lld, %lld, %s)" },
    { "gh_quests_history",
      "SELECT q.id, quest_json(q, t, quest_today()) AS quest"
      " FROM user_quests q JOIN quest_templates t ON t.id = q.template_id"
      " WHERE q.user_id = %lld AND q.completed_at IS NOT NULL"
      " AND q.id < coalesce(CAST(%s AS bigint), 9223372036854775807)"
      " ORDER BY q.id DESC LIMIT %lld" },
    { "gh_home", "SELECT wellness_home(%lld) AS home" },
    { NULL, NULL }
};

static const gh_col_t current_cols[] = {        /* gh_quests_current */
    { "items", GH_COL_JSON, NULL }, { NULL, 0, NULL }
};

static const gh_col_t progress_cols[] = {       /* gh_quests_progress */
    { "o_outcome", GH_COL_TEXT, NULL }, { "o_quest", GH_COL_JSON, NULL }, { NULL, 0, NULL }
};

static const gh_col_t complete_cols[] = {       /* gh_quests_complete */
    { "o_outcome", GH_COL_TEXT, NULL }, { "o_quest", GH_COL_JSON, NULL },
    { "o_ledger_id", GH_COL_TEXT, NULL }, { "o_amount", GH_COL_INT, NULL },
    { "o_balance_after", GH_COL_INT, NULL }, { NULL, 0, NULL }
};

static const gh_col_t history_cols[] = {        /* gh_quests_history */
    { "id", GH_COL_TEXT, NULL }, { "quest", GH_COL_JSON, NULL }, { NULL, 0, NULL }
};

static const gh_col_t home_cols[] = {           /* gh_home */
    { "home", GH_COL_TEXT, NULL }, { NULL, 0, NULL }
};

/* The outcomes of quest_progress and quest_complete that change nothing. */
static const struct {
    const char *outcome;
    gh_result_t res;
} refusals[] = {
    { "not_found", { GH_NOT_FOUND, "quest", "No such quest." } },
    { "completed", { GH_CONFLICT, "completed", "The quest is already completed." } },
    { "expired",   { GH_CONFLICT, "expired", "The quest's period is over." } },
    { "not_ready", { GH_CONFLICT, "not_ready", "The quest has not reached its target yet." } },
    { NULL, { GH_OK, NULL, NULL } }
};

static const gh_result_t no_user = { GH_NOT_FOUND, "user", "The user no longer exists." };
static const gh_result_t no_quest = { GH_NOT_FOUND, "quest", "No such quest." };
static const gh_result_t bad_json = { GH_INTERNAL, NULL, "The database's JSON does not parse." };

/* Column name of row, a json or SQL NULL column, parsed and owned by r's
 * pool: GH_OK with *out NULL for SQL NULL, else GH_INTERNAL. */
static gh_result_t json_col(request_rec *r, const gh_col_t *cols, const char *const *row,
                            const char *name, json_object **out)
{
    const char *text = gh_rows_text(cols, row, name);

    *out = text ? gh_json_own(r->pool, json_tokener_parse(text)) : NULL;
    return text && *out == NULL ? bad_json : GH_RESULT_OK;
}

/* The one row of a statement that returns one, by label. */
static gh_result_t one_row(request_rec *r, const char *label, int nargs, const char *const *args,
                           const char *const **row)
{
    apr_array_header_t *rows;
    gh_result_t res = gh_db_query(r, label, nargs, args, &rows);

    if (res.kind == GH_OK && rows->nelts != 1) {
        return gh_result(GH_INTERNAL, NULL, "The quest function gave no row.");
    }
    if (res.kind == GH_OK) {
        *row = gh_rows_row(rows, 0);
    }
    return res;
}

/* A quest id from the path: a positive integer, else no quest at all. */
static int quest_id_ok(const char *text)
{
    apr_int64_t id;

    return text && gh_parse_int64_dec(text, &id) == 0 && id > 0;
}

/* The result of a quest function's outcome, and its quest. */
static gh_result_t outcome(request_rec *r, const gh_col_t *cols, const char *const *row,
                           json_object **quest)
{
    const char *o = gh_rows_text(cols, row, "o_outcome");
    gh_result_t res = json_col(r, cols, row, "o_quest", quest);

    for (int i = 0; res.kind == GH_OK && refusals[i].outcome; i++) {
        if (o && strcmp(refusals[i].outcome, o) == 0) {
            return refusals[i].res;
        }
    }
    return res;
}

gh_result_t gh_quests_current(request_rec *r, const char *user_id, json_object **items)
{
    const char *args[] = { user_id }, *const *row;
    gh_result_t res = one_row(r, "gh_quests_current", 1, args, &row);

    if (res.kind != GH_OK || (res = json_col(r, current_cols, row, "items", items)).kind != GH_OK) {
        return res;
    }
    return *items ? res : no_user;
}

gh_result_t gh_quests_progress(request_rec *r, const char *user_id, const char *quest_id,
                               apr_int64_t amount, json_object **quest)
{
    const char *args[] = { user_id, quest_id, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, amount) };
    const char *const *row;
    gh_result_t res;

    if (!quest_id_ok(quest_id)) {
        return no_quest;
    }
    if ((res = one_row(r, "gh_quests_progress", 3, args, &row)).kind != GH_OK) {
        return res;
    }
    return outcome(r, progress_cols, row, quest);
}

gh_result_t gh_quests_complete(request_rec *r, const char *user_id, const char *quest_id,
                               json_object **quest, gh_quest_reward_t *reward)
{
    const char *args[] = { user_id, quest_id, user_id }, *const *row;
    gh_result_t res;

    if (!quest_id_ok(quest_id)) {
        return no_quest;
    }
    if ((res = one_row(r, "gh_quests_complete", 3, args, &row)).kind != GH_OK
        || (res = outcome(r, complete_cols, row, quest)).kind != GH_OK) {
        return res;
    }
    reward->replay = strcmp(gh_rows_text(complete_cols, row, "o_outcome"), "replay") == 0;
    reward->ledger_id = gh_rows_text(complete_cols, row, "o_ledger_id");
    reward->amount = gh_rows_text(complete_cols, row, "o_amount");
    reward->balance_after = gh_rows_text(complete_cols, row, "o_balance_after");
    return reward->ledger_id ? res : gh_result(GH_INTERNAL, NULL, "A completed quest has no entry.");
}

gh_result_t gh_quests_history(request_rec *r, const char *user_id, const gh_page_t *page,
                              json_object **out)
{
    const char *args[] = { user_id, page->before, page->fetch }, *last = NULL;
    apr_array_header_t *rows;
    json_object *items;
    gh_result_t res;

    if ((res = gh_db_query(r, "gh_quests_history", 3, args, &rows)).kind != GH_OK) {
        return res;
    }
    *out = gh_json_object(r->pool);
    items = json_object_new_array();
    json_object_object_add(*out, "items", items);
    for (int i = 0; i < rows->nelts && gh_page_shows(page, i); i++) {
        const char *const *row = gh_rows_row(rows, i);
        json_object *quest;
        if ((res = json_col(r, history_cols, row, "quest", &quest)).kind != GH_OK) {
            return res;
        }
        json_object_array_add(items, json_object_get(quest));
        last = gh_rows_text(history_cols, row, "id");
    }
    json_object_object_add(*out, "next_cursor", gh_page_next(r, page, rows->nelts, last));
    return res;
}

gh_result_t gh_quests_home(request_rec *r, const char *user_id, const char **home)
{
    const char *args[] = { user_id }, *const *row;
    gh_result_t res = one_row(r, "gh_home", 1, args, &row);

    if (res.kind != GH_OK) {
        return res;
    }
    *home = gh_rows_text(home_cols, row, "home");
    return *home ? res : no_user;
}
