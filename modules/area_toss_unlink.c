/* Toss unlink callback (seed 000, spec §1): Toss tells us a user left,
 * by POST JSON or GET query, behind Basic auth done by httpd. The user is
 * deleted (or deactivated) with their subscriptions and push tokens, and
 * an audit row without personal data is written, in one statement. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "area_toss_unlink.h"
#include "gh_area.h"
#include "gh_db.h"
#include "gh_batch.h"
#include "gh_config.h"
#include "gh_crypto.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_text.h"
#include "gh_toss_input.h"

#define BOOT_KEY_NAME "gamehoney:audit-boot-key"
#define BOOT_KEY_LEN  32


/* ---- GameHoneyUnlinkMode (area_toss_unlink.h) ---------------------------- */

static const gh_cfg_field_t unlink_fields[] = {
    GH_CFG_FIELD(gh_unlink_cfg_t, mode, GH_CFG_INT), { NULL, 0, 0 }
};

gh_cfg_part_t gh_unlink_part = {
    "Toss unlink <Location>", 1, sizeof(gh_unlink_cfg_t), unlink_fields, NULL, NULL, 0
};

const char *gh_unlink_set_mode(cmd_parms *cmd, void *dcv, const char *arg)
{
    int *mode = gh_cfg_target(cmd, dcv);

    if (strcasecmp(arg, "delete") == 0) {
        *mode = GH_UNLINK_DELETE;
    }
    else if (strcasecmp(arg, "deactivate") == 0) {
        *mode = GH_UNLINK_DEACTIVATE;
    }
    else {
        return "GameHoneyUnlinkMode takes 'delete' or 'deactivate'";
    }
    return NULL;
}

static gh_unlink_mode_e unlink_mode(request_rec *r)
{
    const gh_unlink_cfg_t *u = gh_cfg_dir(r, &gh_unlink_part);
    return u->mode == GH_UNSET ? GH_UNLINK_DELETE : (gh_unlink_mode_e)u->mode;
}

/* Concurrent callbacks are coalesced (gh_batch) into one statement that
 * changes every user of the batch and writes every audit row, so a batch
 * commits whole or not at all. Its parameters are five parallel arrays:
 * user keys, audit key hashes, referrers, client IPs and request ids.
 * Users are locked in id order first, so that two batches that share a
 * user cannot deadlock. Within a batch only the first callback for a user
 * counts as the change; a repeat is 'not_found', as it would be in turn. */
#define BATCH_INPUT \
    "WITH input AS (SELECT * FROM unnest(CAST(%s AS bigint[]), CAST(%s AS text[])," \
    " CAST(%s AS text[]), CAST(%s AS inet[]), CAST(%s AS text[])) WITH ORDINALITY" \
    " AS t(user_key, key_hash, referrer, client_ip, request_id, ord))," \
    " locked AS (SELECT array_agg(id) AS ids FROM (SELECT id FROM users" \
    " WHERE toss_user_key IN (SELECT user_key FROM input) ORDER BY id FOR UPDATE) l),"

/* changed: (toss_user_key, outcome) of every user the batch changed. */
#define BATCH_AUDIT \
    " result AS (SELECT input.*, CASE WHEN user_key = 0 THEN 'test'" \
    " WHEN ord = (SELECT min(i.ord) FROM input i WHERE i.user_key = input.user_key)" \
    " THEN coalesce((SELECT c.outcome FROM changed c WHERE c.toss_user_key = input.user_key)," \
    " 'not_found') ELSE 'not_found' END AS outcome FROM input)," \
    " audit AS (INSERT INTO unlink_audit" \
    " (user_key_hash, referrer, outcome, client_ip, request_id)" \
    " SELECT key_hash, referrer, outcome, client_ip, request_id FROM result ORDER BY ord)" \
    " SELECT ord, outcome FROM result"

/* Deactivates the locked users that match cond: personal fields cleared,
 * subscriptions, push tokens and sessions gone, the row kept. */
#define DEACTIVATE(cond) \
    " gone AS (UPDATE users u SET is_active = false, toss_user_key = NULL," \
    " username = NULL, email = NULL, email_verified = false, name = NULL, picture = NULL," \
    " phone = NULL, birthday = NULL, gender = NULL, nationality = NULL," \
    " deactivated_at = now(), updated_at = now()" \
    " FROM (SELECT id, toss_user_key FROM users" \
    " WHERE id = ANY ((SELECT ids FROM locked)::bigint[]) " cond ") old" \
    " WHERE u.id = old.id RETURNING u.id, old.toss_user_key)," \
    " s AS (DELETE FROM subscriptions WHERE user_id IN (SELECT id FROM gone))," \
    " t AS (DELETE FROM push_tokens WHERE user_id IN (SELECT id FROM gone))," \
    " r AS (UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'toss unlink'" \
    " WHERE user_id IN (SELECT id FROM gone) AND revoked_at IS NULL),"

/* Payment orders and ledger rows are records that must be kept, so a
 * user who has them is deactivated even in delete mode. */
#define HAS_MONEY \
    "(EXISTS (SELECT 1 FROM point_ledger pl WHERE pl.user_id = users.id)" \
    " OR EXISTS (SELECT 1 FROM payment_orders po WHERE po.user_id = users.id))"

static const gh_db_stmt_t statements[] = {
    { "gh_unlink_delete",
      /* subscriptions and push_tokens go by ON DELETE CASCADE */
      BATCH_INPUT
      DEACTIVATE("AND " HAS_MONEY)
      " del AS (DELETE FROM users WHERE id = ANY ((SELECT ids FROM locked)::bigint[])"
      " AND NOT " HAS_MONEY " RETURNING toss_user_key),"
      " changed AS (SELECT toss_user_key, 'deleted' AS outcome FROM del"
      " UNION ALL SELECT toss_user_key, 'deactivated' FROM gone),"
      BATCH_AUDIT },
    { "gh_unlink_deactivate",
      BATCH_INPUT
      DEACTIVATE("")
      " changed AS (SELECT toss_user_key, 'deactivated' AS outcome FROM gone),"
      BATCH_AUDIT },
    { NULL, NULL }
};

#define BATCH_MAX_ITEMS   64
#define BATCH_MAX_LEADERS 1     /* batches in flight per child */

/* Outcomes as static strings: a follower reads its result after the
 * leader's request, and its pool, may be gone. */
static const char *const outcomes[] = { "deleted", "deactivated", "not_found", "test", NULL };

/* Used when GameHoneyAuditKey is unset: random, kept for the life of the
 * httpd parent so that hashes agree across children and graceful restarts. */
static const unsigned char *boot_key;

typedef struct {
    gh_toss_unlink_t in;
    gh_unlink_mode_e mode;
    const char *key_hash;
    const char *client_ip;
    const char *request_id;
} unlink_job_t;

static gh_batch_t *batches[2];          /* per gh_unlink_mode_e, per child */

static int post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *pp = s->process->pool;
    unsigned char *key = NULL;

    (void)pconf;
    apr_pool_userdata_get((void **)&key, BOOT_KEY_NAME, pp);
    if (key == NULL) {
        key = apr_palloc(pp, BOOT_KEY_LEN);
        if (gh_random_bytes(key, BOOT_KEY_LEN) != 0) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "cannot draw random bytes");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        apr_pool_userdata_set(key, BOOT_KEY_NAME, apr_pool_cleanup_null, pp);
    }
    boot_key = key;
    return OK;
}

static const char *audit_hash(request_rec *r, apr_int64_t user_key)
{
    const char *configured = gh_server_conf(r->server)->audit_key;
    const char *msg = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, user_key);

    if (configured) {
        return gh_hmac_sha256_hex(r->pool, configured, strlen(configured), msg, strlen(msg));
    }
    return gh_hmac_sha256_hex(r->pool, boot_key, BOOT_KEY_LEN, msg, strlen(msg));
}

static const char *static_outcome(const char *text)
{
    for (const char *const *o = outcomes; text && *o; o++) {
        if (strcmp(*o, text) == 0) {
            return *o;
        }
    }
    return NULL;
}

static void run_batch(request_rec *r, gh_batch_item_t **items, int n)
{
    const char **cols[5], *args[5], *label;
    apr_array_header_t *rows;
    int status;

    for (int c = 0; c < 5; c++) {
        cols[c] = apr_palloc(r->pool, sizeof(const char *) * n);
    }
    for (int i = 0; i < n; i++) {
        const unlink_job_t *job = items[i]->input;
        cols[0][i] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, job->in.user_key);
        cols[1][i] = job->key_hash;
        cols[2][i] = job->in.referrer;
        cols[3][i] = job->client_ip;
        cols[4][i] = job->request_id;
    }
    for (int c = 0; c < 5; c++) {
        args[c] = gh_pg_array(r->pool, cols[c], n);
    }
    label = ((const unlink_job_t *)items[0]->input)->mode == GH_UNLINK_DEACTIVATE
          ? "gh_unlink_deactivate" : "gh_unlink_delete";
    status = gh_answer(r, gh_db_query(r, label, 5, args, &rows));
    if (status == OK) {
        for (int i = 0; i < rows->nelts; i++) {
            const char **row = APR_ARRAY_IDX(rows, i, const char **);
            apr_int64_t ord;
            if (row[0] && gh_parse_int64_dec(row[0], &ord) == 0 && ord >= 1 && ord <= n) {
                items[ord - 1]->result = static_outcome(row[1]);
            }
        }
    }
    gh_batch_finish(r, items, n, status, label);
}

static void child_init(apr_pool_t *pchild, server_rec *s)
{
    for (int mode = GH_UNLINK_DELETE; mode <= GH_UNLINK_DEACTIVATE; mode++) {
        batches[mode] = gh_batch_create(pchild, BATCH_MAX_ITEMS, BATCH_MAX_LEADERS, run_batch);
        if (batches[mode] == NULL) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "cannot create the unlink batcher");
        }
    }
}

static int read_input(request_rec *r, gh_toss_unlink_t *in)
{
    const char *err;
    int status;

    if (r->method_number == M_POST) {
        json_object *body;
        if ((status = gh_http_read_json(r, &body)) != OK) {
            return status;
        }
        err = gh_toss_unlink_from_json(body, in);
    }
    else {
        apr_table_t *query;
        const char *user_key, *referrer;
        if ((status = gh_http_query(r, &query)) != OK
            || (status = gh_http_query_one(r, query, "userKey", &user_key)) != OK
            || (status = gh_http_query_one(r, query, "referrer", &referrer)) != OK) {
            return status;
        }
        err = gh_toss_unlink_from_query(user_key, referrer, in);
    }
    return err ? gh_fail(r, GH_E_INVALID_REQUEST, err) : OK;
}

static int disconnect_callback(request_rec *r, const gh_route_params_t *params)
{
    unlink_job_t job;
    gh_batch_item_t item;
    json_object *body;
    const char *message;
    int status;

    (void)params;
    memset(&job, 0, sizeof(job));
    memset(&item, 0, sizeof(item));
    if ((status = read_input(r, &job.in)) != OK) {
        return status;
    }
    job.mode = unlink_mode(r);
    job.key_hash = audit_hash(r, job.in.user_key);
    job.client_ip = r->useragent_ip;
    job.request_id = gh_http_request_id(r);
    if (job.key_hash == NULL || batches[job.mode] == NULL) {
        return gh_fail(r, GH_E_INTERNAL_ERROR,
                       "An internal error occurred.");
    }
    item.group = r->server;       /* its DBDParams name the database */
    item.input = &job;
    if ((status = gh_batch_submit(batches[job.mode], r, &item)) != OK) {
        return status;
    }

    if (job.in.referrer && !gh_toss_referrer_known(job.in.referrer)) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "toss unlink: undocumented referrer %s recorded", job.in.referrer);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "toss unlink: outcome=%s referrer=%s key=%.12s",
                  (const char *)item.result, job.in.referrer ? job.in.referrer : "-",
                  job.key_hash);

    message = strcmp((const char *)item.result, "test") == 0 ? "Test callback acknowledged"
            : strcmp((const char *)item.result, "not_found") == 0
                ? "User not found but considered as disconnected"
                : "User disconnected successfully";
    body = gh_json_object(r->pool);
    json_object_object_add(body, "success", json_object_new_boolean(1));
    json_object_object_add(body, "message", json_object_new_string(message));
    return gh_send_json(r, HTTP_OK, body);
}

static const gh_route_t routes[] = {
    { "POST", "/", disconnect_callback, GH_ROUTE_AUTH },
    { "GET",  "/", disconnect_callback, GH_ROUTE_AUTH },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_toss_unlink = {
    "toss-unlink", routes, statements, post_config, child_init
};
