/* The psy-test's sets, submissions and results (gh_psy.h). A set is read
 * from the database once per child and version and kept: the freeze
 * trigger of sql/009 forbids any change to a published version. */
#include <string.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "gh_json.h"
#include "gh_private.h"
#include "gh_psy.h"
#include "gh_rows.h"
#include "gh_text.h"

#define CACHE_MAX 16        /* versions kept per child; more are read per request */

#define RESULT_COLS \
    "o_outcome, o_id, o_version, o_character_name, o_character_image_url, o_summary," \
    " o_coaching_tips, o_tendency_extraversion, o_tendency_openness," \
    " o_tendency_conscientiousness, o_tendency_agreeableness, o_tendency_stability," \
    " o_preference_activity, o_preference_social, o_preference_creative, " \
    GH_SQL_ISO8601("o_created_at") " AS o_created_at"

const gh_db_stmt_t gh_psy_statements[] = {
    { "gh_psy_current",
      "SELECT max(version) AS version FROM psy_versions WHERE published_at IS NOT NULL" },
    /* the published versions the answers' questions are of */
    { "gh_psy_versions_of",
      "SELECT DISTINCT q.version FROM psy_questions q JOIN psy_versions v"
      " ON v.version = q.version AND v.published_at IS NOT NULL"
      " WHERE q.id = ANY (CAST(%s AS bigint[])) ORDER BY q.version" },
    { "gh_psy_set_version",
      "SELECT version, title FROM psy_versions WHERE version = CAST(%s AS integer)"
      " AND published_at IS NOT NULL" },
    { "gh_psy_set_options",
      "SELECT q.id AS question_id, q.ord AS question_ord, q.text AS question_text,"
      " o.id AS option_id, o.ord AS option_ord, o.text AS option_text"
      " FROM psy_questions q LEFT JOIN psy_options o ON o.question_id = q.id"
      " WHERE q.version = CAST(%s AS integer) ORDER BY q.ord, o.ord" },
    { "gh_psy_set_weights",
      "SELECT w.option_id, w.dimension, w.weight FROM psy_option_weights w"
      " JOIN psy_options o ON o.id = w.option_id JOIN psy_questions q ON q.id = o.question_id"
      " WHERE q.version = CAST(%s AS integer)" },
    { "gh_psy_set_characters",
      "SELECT dimension, name, image_url, summary, coaching_tips FROM psy_characters"
      " WHERE version = CAST(%s AS integer)" },
    /* the whole submission: one transaction (sql/012_wellness_psy.sql) */
    { "gh_psy_submit",
      "SELECT " RESULT_COLS " FROM psy_submit(%lld, %s, CAST(%s AS integer),"
      " CAST(%s AS bigint[]), CAST(%s AS bigint[]), %s, %s, %s, %s, CAST(%s AS smallint[]))" },
    { "gh_psy_result",
      "SELECT " RESULT_COLS " FROM psy_result_read(%lld, %lld)" },
    { NULL, NULL }
};

static const gh_col_t current_cols[] = {        /* gh_psy_current, gh_psy_versions_of */
    { "version", GH_COL_INT, NULL }, { NULL, 0, NULL }
};

static const gh_col_t version_cols[] = {        /* gh_psy_set_version */
    { "version", GH_COL_INT, NULL }, { "title", GH_COL_TEXT, NULL }, { NULL, 0, NULL }
};

static const gh_col_t option_cols[] = {         /* gh_psy_set_options */
    { "question_id", GH_COL_INT, NULL }, { "question_ord", GH_COL_INT, NULL },
    { "question_text", GH_COL_TEXT, NULL }, { "option_id", GH_COL_INT, NULL },
    { "option_ord", GH_COL_INT, NULL }, { "option_text", GH_COL_TEXT, NULL },
    { NULL, 0, NULL }
};

static const gh_col_t weight_cols[] = {         /* gh_psy_set_weights */
    { "option_id", GH_COL_INT, NULL }, { "dimension", GH_COL_TEXT, NULL },
    { "weight", GH_COL_INT, NULL }, { NULL, 0, NULL }
};

static const gh_col_t character_cols[] = {      /* gh_psy_set_characters */
    { "dimension", GH_COL_TEXT, NULL }, { "name", GH_COL_TEXT, NULL },
    { "image_url", GH_COL_TEXT, NULL }, { "summary", GH_COL_TEXT, NULL },
    { "coaching_tips", GH_COL_TEXT, NULL }, { NULL, 0, NULL }
};

static const gh_col_t result_cols[] = {         /* gh_psy_submit, gh_psy_result */
    { "o_outcome", GH_COL_TEXT, NULL }, { "o_id", GH_COL_TEXT, "id" },
    { "o_version", GH_COL_INT, "version" }, { "o_character_name", GH_COL_TEXT, "character_name" },
    { "o_character_image_url", GH_COL_TEXT, "character_image_url" },
    { "o_summary", GH_COL_TEXT, "summary" }, { "o_coaching_tips", GH_COL_TEXT, "coaching_tips" },
    { "o_tendency_extraversion", GH_COL_INT, NULL }, { "o_tendency_openness", GH_COL_INT, NULL },
    { "o_tendency_conscientiousness", GH_COL_INT, NULL },
    { "o_tendency_agreeableness", GH_COL_INT, NULL }, { "o_tendency_stability", GH_COL_INT, NULL },
    { "o_preference_activity", GH_COL_INT, NULL }, { "o_preference_social", GH_COL_INT, NULL },
    { "o_preference_creative", GH_COL_INT, NULL }, { "o_created_at", GH_COL_TIME, NULL },
    { NULL, 0, NULL }
};

/* Per child: published sets by version, and the version of each of their
 * questions. Everything in pool is made under lock. */
static struct {
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;
    apr_hash_t *sets;           /* int version -> gh_psy_set_t */
    apr_hash_t *questions;      /* apr_int64_t id -> int version */
} cache;

void gh_psy_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (apr_thread_mutex_create(&cache.lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS
        || apr_pool_create(&cache.pool, pchild) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "cannot create the psy-test cache");
        cache.lock = NULL;
        return;
    }
    cache.sets = apr_hash_make(cache.pool);
    cache.questions = apr_hash_make(cache.pool);
}

static const gh_psy_set_t *cached(int version)
{
    const gh_psy_set_t *set = NULL;

    if (cache.lock) {
        apr_thread_mutex_lock(cache.lock);
        set = apr_hash_get(cache.sets, &version, sizeof(version));
        apr_thread_mutex_unlock(cache.lock);
    }
    return set;
}

/* The version of a question of a cached set, or 0. */
static int cached_version_of(apr_int64_t question_id)
{
    const int *v = NULL;

    if (cache.lock) {
        apr_thread_mutex_lock(cache.lock);
        v = apr_hash_get(cache.questions, &question_id, sizeof(question_id));
        apr_thread_mutex_unlock(cache.lock);
    }
    return v ? *v : 0;
}

/* Keeps a copy of set (unless another thread did first, or the cache is
 * full); returns the set to use. */
static const gh_psy_set_t *keep(const gh_psy_set_t *set)
{
    const gh_psy_set_t *kept;

    if (cache.lock == NULL) {
        return set;
    }
    apr_thread_mutex_lock(cache.lock);
    if ((kept = apr_hash_get(cache.sets, &set->version, sizeof(set->version))) == NULL
        && apr_hash_count(cache.sets) < CACHE_MAX) {
        gh_psy_set_t *copy = gh_psy_set_copy(cache.pool, set);
        apr_hash_set(cache.sets, &copy->version, sizeof(copy->version), copy);
        for (int i = 0; i < copy->questions->nelts; i++) {
            gh_psy_question_t *q = &APR_ARRAY_IDX(copy->questions, i, gh_psy_question_t);
            apr_hash_set(cache.questions, &q->id, sizeof(q->id), &copy->version);
        }
        kept = copy;
    }
    apr_thread_mutex_unlock(cache.lock);
    return kept ? kept : set;
}

/* Builds version's set from the database into r->pool. */
static gh_result_t load(request_rec *r, int version, gh_psy_set_t **out)
{
    const char *args[] = { apr_itoa(r->pool, version) }, *why;
    apr_array_header_t *vrow, *opts, *weights, *chars;
    gh_psy_set_t *set;
    gh_result_t res;

    if ((res = gh_db_query(r, "gh_psy_set_version", 1, args, &vrow)).kind != GH_OK
        || (res = gh_db_query(r, "gh_psy_set_options", 1, args, &opts)).kind != GH_OK
        || (res = gh_db_query(r, "gh_psy_set_weights", 1, args, &weights)).kind != GH_OK
        || (res = gh_db_query(r, "gh_psy_set_characters", 1, args, &chars)).kind != GH_OK) {
        return res;
    }
    if (vrow->nelts == 0) {
        return gh_result(GH_NOT_FOUND, "no_version", "No such published psy-test version.");
    }
    set = gh_psy_set_make(r->pool, version, gh_rows_text(version_cols, gh_rows_row(vrow, 0),
                                                         "title"));
    for (int i = 0; i < opts->nelts; i++) {
        const char *const *row = gh_rows_row(opts, i);
        gh_psy_question_t *q = gh_psy_set_question(r->pool, set,
            gh_rows_int(option_cols, row, "question_id"),
            (int)gh_rows_int(option_cols, row, "question_ord"),
            gh_rows_text(option_cols, row, "question_text"));
        if (gh_rows_text(option_cols, row, "option_id")) {
            gh_psy_set_option(r->pool, q, gh_rows_int(option_cols, row, "option_id"),
                              (int)gh_rows_int(option_cols, row, "option_ord"),
                              gh_rows_text(option_cols, row, "option_text"));
        }
    }
    for (int i = 0; i < weights->nelts; i++) {
        const char *const *row = gh_rows_row(weights, i);
        gh_psy_set_weight(set, gh_rows_int(weight_cols, row, "option_id"),
                          gh_rows_text(weight_cols, row, "dimension"),
                          (int)gh_rows_int(weight_cols, row, "weight"));
    }
    for (int i = 0; i < chars->nelts; i++) {
        const char *const *row = gh_rows_row(chars, i);
        gh_psy_set_character(r->pool, set, gh_rows_text(character_cols, row, "dimension"),
                             gh_rows_text(character_cols, row, "name"),
                             gh_rows_text(character_cols, row, "image_url"),
                             gh_rows_text(character_cols, row, "summary"),
                             gh_rows_text(character_cols, row, "coaching_tips"));
    }
    if ((why = gh_psy_set_check(r->pool, set)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s", why);
        return gh_result(GH_INTERNAL, "incomplete", "The psy-test set is incomplete.");
    }
    *out = set;
    return GH_RESULT_OK;
}

/* A published version's set, from the cache or the database. */
static gh_result_t set_of(request_rec *r, int version, const gh_psy_set_t **out)
{
    gh_psy_set_t *set;
    gh_result_t res;

    if ((*out = cached(version)) != NULL) {
        return GH_RESULT_OK;
    }
    if ((res = load(r, version, &set)).kind == GH_OK) {
        *out = keep(set);
    }
    return res;
}

static gh_result_t current_version(request_rec *r, int *version)
{
    apr_array_header_t *rows;
    gh_result_t res;

    if ((res = gh_db_query(r, "gh_psy_current", 0, NULL, &rows)).kind != GH_OK) {
        return res;
    }
    if (rows->nelts == 0 || gh_rows_text(current_cols, gh_rows_row(rows, 0), "version") == NULL) {
        return gh_result(GH_NOT_FOUND, "no_version", "No psy-test version is published.");
    }
    *version = (int)gh_rows_int(current_cols, gh_rows_row(rows, 0), "version");
    return GH_RESULT_OK;
}

gh_result_t gh_psy_current(request_rec *r, const gh_psy_set_t **set)
{
    gh_result_t res;
    int version;

    if ((res = current_version(r, &version)).kind != GH_OK) {
        return res;
    }
    return set_of(r, version, set);
}

/* The published versions the answers' questions are of. */
static gh_result_t versions_of(request_rec *r, const gh_psy_submission_t *sub,
                               apr_array_header_t **rows)
{
    const char **ids = apr_palloc(r->pool, sizeof(*ids) * sub->n), *args[1];

    for (int i = 0; i < sub->n; i++) {
        ids[i] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sub->answers[i].question_id);
    }
    args[0] = gh_pg_array(r->pool, ids, sub->n);
    return gh_db_query(r, "gh_psy_versions_of", 1, args, rows);
}

static gh_result_t mixed(request_rec *r, const apr_array_header_t *rows)
{
    const char *list = "";

    for (int i = 0; i < rows->nelts; i++) {
        list = apr_psprintf(r->pool, "%s%s%" APR_INT64_T_FMT, list, i ? ", " : "",
                            gh_rows_int(current_cols, gh_rows_row(rows, i), "version"));
    }
    return gh_result(GH_BAD_INPUT, "answers",
                     apr_psprintf(r->pool, "answers mix questions of versions %s: answer every"
                                  " question of one version.", list));
}

/* The set the answers are for: that of their first question when it is
 * cached, else what the database says they are of (the current version
 * when they name no published question). */
static gh_result_t set_for(request_rec *r, const gh_psy_submission_t *sub,
                           const gh_psy_set_t **set)
{
    apr_array_header_t *rows;
    gh_result_t res;
    int version = sub->n ? cached_version_of(sub->answers[0].question_id) : 0;

    if (version == 0 && sub->n > 0) {
        if ((res = versions_of(r, sub, &rows)).kind != GH_OK) {
            return res;
        }
        if (rows->nelts > 1) {
            return mixed(r, rows);
        }
        if (rows->nelts == 1) {
            version = (int)gh_rows_int(current_cols, gh_rows_row(rows, 0), "version");
        }
    }
    if (version == 0 && (res = current_version(r, &version)).kind != GH_OK) {
        return res;
    }
    return set_of(r, version, set);
}

/* Checks the answers against set: OK or GH_BAD_INPUT "answers". */
static gh_result_t check(request_rec *r, const gh_psy_set_t *set,
                         const gh_psy_submission_t *sub)
{
    apr_array_header_t *rows;
    const char *msg;
    gh_result_t res;
    gh_psy_problem_e problem = gh_psy_validate(r->pool, set, sub->answers, sub->n, &msg);

    if (problem == GH_PSY_VALID) {
        return GH_RESULT_OK;
    }
    /* questions of another version: say so, if they are of one */
    if (problem == GH_PSY_UNKNOWN_QUESTION
        && (res = versions_of(r, sub, &rows)).kind == GH_OK && rows->nelts > 1) {
        return mixed(r, rows);
    }
    return gh_result(GH_BAD_INPUT, "answers", msg);
}

static json_object *result_json(request_rec *r, const char *const *row)
{
    json_object *out = gh_json_own(r->pool, gh_rows_object(result_cols, row));
    json_object *scores = json_object_new_object();

    for (int d = 0; d < GH_PSY_DIMS; d++) {
        const char *col = apr_pstrcat(r->pool, "o_", gh_psy_dims[d], NULL);
        json_object_object_add(scores, gh_psy_dims[d],
                               json_object_new_int64(gh_rows_int(result_cols, row, col)));
    }
    json_object_object_add(out, "scores", scores);
    json_object_object_add(out, "created_at", json_object_new_string(
        gh_rows_text(result_cols, row, "o_created_at")));
    return out;
}

gh_result_t gh_psy_submit(request_rec *r, const char *user_id, const gh_psy_submission_t *sub,
                          json_object **out, int *replayed)
{
    const char **qs = apr_palloc(r->pool, sizeof(*qs) * (sub->n + 1));
    const char **os = apr_palloc(r->pool, sizeof(*os) * (sub->n + 1)), *scores[GH_PSY_DIMS];
    const char *args[10], *outcome, *const *row;
    const gh_psy_set_t *set = NULL;
    apr_array_header_t *rows;
    gh_psy_result_t score;
    gh_result_t res;

    if ((res = set_for(r, sub, &set)).kind != GH_OK
        || (res = check(r, set, sub)).kind != GH_OK) {
        return res;
    }
    gh_psy_score(r->pool, set, sub->answers, sub->n, &score);
    for (int i = 0; i < sub->n; i++) {
        qs[i] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sub->answers[i].question_id);
        os[i] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sub->answers[i].option_id);
    }
    for (int d = 0; d < GH_PSY_DIMS; d++) {
        scores[d] = apr_itoa(r->pool, score.scores[d]);
    }
    args[0] = user_id;
    args[1] = sub->submission_id;
    args[2] = apr_itoa(r->pool, set->version);
    args[3] = gh_pg_array(r->pool, qs, sub->n);
    args[4] = gh_pg_array(r->pool, os, sub->n);
    args[5] = score.character->name;
    args[6] = score.character->image_url;
    args[7] = score.summary;
    args[8] = score.coaching_tips;
    args[9] = gh_pg_array(r->pool, scores, GH_PSY_DIMS);
    if ((res = gh_db_query(r, "gh_psy_submit", 10, args, &rows)).kind != GH_OK) {
        return res;
    }
    row = rows->nelts ? gh_rows_row(rows, 0) : NULL;
    outcome = row ? gh_rows_text(result_cols, row, "o_outcome") : "user";
    if (strcmp(outcome, "reused") == 0) {
        return gh_result(GH_CONFLICT, "submission_reused",
                         "This submission id was used for other answers.");
    }
    if (strcmp(outcome, "user") == 0 || gh_rows_text(result_cols, row, "o_id") == NULL) {
        return gh_result(GH_NOT_FOUND, "user", "The user no longer exists.");
    }
    *replayed = strcmp(outcome, "replay") == 0;
    *out = result_json(r, row);
    return GH_RESULT_OK;
}

gh_result_t gh_psy_result(request_rec *r, const char *user_id, const char *id,
                          json_object **out)
{
    const char *args[] = { user_id, id };
    apr_array_header_t *rows;
    apr_int64_t n;
    gh_result_t res;

    if (id == NULL || gh_parse_int64_dec(id, &n) != 0 || n <= 0) {
        return gh_result(GH_NOT_FOUND, "result", "No such analysis result.");
    }
    args[1] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, n);
    if ((res = gh_db_query(r, "gh_psy_result", 2, args, &rows)).kind != GH_OK) {
        return res;
    }
    if (rows->nelts == 0) {
        return gh_result(GH_NOT_FOUND, "result", "No such analysis result.");
    }
    *out = result_json(r, gh_rows_row(rows, 0));
    return GH_RESULT_OK;
}
