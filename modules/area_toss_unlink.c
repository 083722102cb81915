/* Toss unlink callback (seed 000, spec §1): Toss tells us a user left,
 * by POST JSON or GET query, behind Basic auth done by httpd. The user is
 * deleted (or deactivated) with their subscriptions and push tokens in one
 * transaction, and an audit row without personal data is kept. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_config.h"
#include "gh_crypto.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_toss_input.h"

#define BOOT_KEY_NAME "gamehoney:audit-boot-key"
#define BOOT_KEY_LEN  32

static const gh_db_stmt_t statements[] = {
    { "gh_unlink_delete",
      /* subscriptions and push_tokens go by ON DELETE CASCADE */
      "DELETE FROM users WHERE toss_user_key = %lld" },
    { "gh_unlink_deactivate",
      "WITH u AS (UPDATE users SET is_active = false, toss_user_key = NULL,"
      " username = NULL, email = NULL, name = NULL,"
      " deactivated_at = now(), updated_at = now()"
      " WHERE toss_user_key = %lld RETURNING id),"
      " s AS (DELETE FROM subscriptions WHERE user_id IN (SELECT id FROM u)),"
      " t AS (DELETE FROM push_tokens WHERE user_id IN (SELECT id FROM u))"
      " SELECT id FROM u" },
    { "gh_unlink_audit",
      "INSERT INTO unlink_audit (user_key_hash, referrer, outcome, client_ip, request_id)"
      " VALUES (%s, %s, %s, CAST(%s AS inet), %s)" },
    { NULL, NULL }
};

/* Used when GameHoneyAuditKey is unset: random, kept for the life of the
 * httpd parent so that hashes agree across children and graceful restarts. */
static const unsigned char *boot_key;

typedef struct {
    gh_toss_unlink_t in;
    gh_unlink_mode_e mode;
    const char *key_hash;
    const char *outcome;
} unlink_job_t;

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

static int unlink_work(gh_db_t *db, void *baton)
{
    unlink_job_t *job = baton;
    request_rec *r = gh_db_request(db);
    const char *audit[5];
    int status;

    if (job->in.user_key == 0) {
        job->outcome = "test";      /* the Toss console's test button */
    }
    else {
        const char *key = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, job->in.user_key);
        int deactivate = (job->mode == GH_UNLINK_DEACTIVATE), n = 0;

        status = gh_db_exec(db, deactivate ? "gh_unlink_deactivate" : "gh_unlink_delete",
                            &n, 1, &key);
        if (status != OK) {
            return status;
        }
        job->outcome = n == 0 ? "not_found" : deactivate ? "deactivated" : "deleted";
    }
    audit[0] = job->key_hash;
    audit[1] = job->in.referrer;
    audit[2] = job->outcome;
    audit[3] = r->useragent_ip;
    audit[4] = gh_http_request_id(r);
    return gh_db_exec(db, "gh_unlink_audit", NULL, 5, audit);
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
    return err ? gh_fail(r, HTTP_BAD_REQUEST, "invalid_request", err) : OK;
}

static int disconnect_callback(request_rec *r, const gh_route_params_t *params)
{
    unlink_job_t job;
    json_object *body;
    const char *message;
    int status;

    (void)params;
    memset(&job, 0, sizeof(job));
    if ((status = read_input(r, &job.in)) != OK) {
        return status;
    }
    job.mode = gh_conf_unlink_mode(gh_dir_conf(r));
    job.key_hash = audit_hash(r, job.in.user_key);
    if (job.key_hash == NULL) {
        return gh_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                       "An internal error occurred.");
    }
    if ((status = gh_db_transaction(r, unlink_work, &job)) != OK) {
        return status;
    }

    if (job.in.referrer && !gh_toss_referrer_known(job.in.referrer)) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "toss unlink: undocumented referrer %s recorded", job.in.referrer);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "toss unlink: outcome=%s referrer=%s key=%.12s",
                  job.outcome, job.in.referrer ? job.in.referrer : "-", job.key_hash);

    message = strcmp(job.outcome, "test") == 0 ? "Test callback acknowledged"
            : strcmp(job.outcome, "not_found") == 0
                ? "User not found but considered as disconnected"
                : "User disconnected successfully";
    body = gh_json_object(r->pool);
    json_object_object_add(body, "success", json_object_new_boolean(1));
    json_object_object_add(body, "message", json_object_new_string(message));
    return gh_http_send_json(r, HTTP_OK, body);
}

static const gh_route_t routes[] = {
    { "POST", "/", disconnect_callback, GH_ROUTE_AUTH },
    { "GET",  "/", disconnect_callback, GH_ROUTE_AUTH },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_toss_unlink = { "toss-unlink", routes, statements, post_config };
