/* mod_dbd glue. Statements are prepared by us, per connection, rather than
 * with ap_dbd_prepare: when PostgreSQL restarts, apr_dbd's check_conn
 * PQreset()s the pooled connection and every server-side statement is
 * silently gone. The backend PID tells us when that has happened.
 *
 * Every query is one statement, autocommitted: PostgreSQL makes a
 * statement atomic by itself, including the data-modifying CTEs the areas
 * use to change several tables at once, and it costs one round trip
 * instead of the three more that BEGIN and COMMIT would add. */
#include <string.h>

#include "apr_dbd.h"
#include "apr_strings.h"
#include "http_protocol.h"
#include "mod_dbd.h"
#include <libpq-fe.h>

#include "gh_db.h"
#include "gh_http.h"
#include "gh_metrics.h"
#include "gh_private.h"

/* A pooled connection, held for one statement. */
typedef struct {
    request_rec *r;
    ap_dbd_t *rec;
    apr_hash_t *stmts;               /* label -> apr_dbd_prepared_t* */
} gh_db_t;

/* Prepared state of one pooled connection, kept in its pool. */
typedef struct {
    int backend_pid;
    apr_pool_t *pool;                /* cleared on every re-prepare */
    apr_hash_t *stmts;
} prepared_state_t;

#define CONN_STATE_KEY "gamehoney:stmts"

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;
static apr_array_header_t *registry;      /* of const gh_db_stmt_t* */

static apr_status_t registry_reset(void *unused)
{
    (void)unused;
    registry = NULL;
    return APR_SUCCESS;
}

void gh_db_register(apr_pool_t *pconf, const gh_db_stmt_t *stmts)
{
    if (registry == NULL) {
        registry = apr_array_make(pconf, 16, sizeof(const gh_db_stmt_t *));
        /* the next generation's pconf gets a fresh registry */
        apr_pool_cleanup_register(pconf, NULL, registry_reset, apr_pool_cleanup_null);
    }
    for (; stmts && stmts->label; stmts++) {
        APR_ARRAY_PUSH(registry, const gh_db_stmt_t *) = stmts;
    }
}

int gh_db_post_config(apr_pool_t *pconf, server_rec *s)
{
    (void)pconf;
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (dbd_open == NULL || dbd_close == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_dbd is not loaded: LoadModule dbd_module is required");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

/* libpq is used only to read the connection's state, never to query. */
static PGconn *native(const ap_dbd_t *rec)
{
    return apr_dbd_native_handle(rec->driver, rec->handle);
}

static int connection_lost(const ap_dbd_t *rec)
{
    PGconn *pg = native(rec);
    return pg == NULL || PQstatus(pg) != CONNECTION_OK;
}

/* Whether the server is still there, found without a round trip: a server
 * that restarted or died has closed the socket, and non-blocking reads see
 * that. Two of them: the first may only collect the FATAL message a
 * terminating backend sends before its EOF. */
static int connection_alive(const ap_dbd_t *rec)
{
    PGconn *pg = native(rec);
    return pg != NULL && PQstatus(pg) == CONNECTION_OK
        && PQconsumeInput(pg) && PQconsumeInput(pg) && PQstatus(pg) == CONNECTION_OK;
}

/* Records a failure on db's connection and returns the status to give:
 * 409 for a unique violation (a concurrent insert won; callers may
 * retry), 503 when the connection is gone, 500 for anything else. Only the first
 * line of the driver's message is logged; later lines may quote data. */
static int db_failure(request_rec *r, const ap_dbd_t *rec, const char *what)
{
    const char *msg = apr_dbd_error(rec->driver, rec->handle, 0);
    const char *first = msg ? apr_pstrmemdup(r->pool, msg, strcspn(msg, "\r\n")) : "";

    /* verbose errors read "ERROR:  23505: ...", in any server locale */
    if (strstr(first, ":  23505:") != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "unique violation during %s", what);
        gh_metrics_db_error(GH_DB_ERROR_CONFLICT);
        return gh_fail(r, HTTP_CONFLICT, "conflict",
                       "A concurrent change conflicted with this one; retry.");
    }
    if (connection_lost(rec)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database connection lost during %s: %s",
                      what, first);
        gh_metrics_db_error(GH_DB_ERROR_LOST);
        return gh_fail(r, HTTP_SERVICE_UNAVAILABLE, "database_unavailable",
                       "The database is unavailable; retry later.");
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database error during %s: %s", what, first);
    gh_metrics_db_error(GH_DB_ERROR_OTHER);
    return gh_fail(r, HTTP_INTERNAL_SERVER_ERROR, "database_error",
                   "The database rejected the operation.");
}

/* Makes sure every registered statement exists on rec's current backend.
 * Returns 0, or -1 with *failed naming the statement that failed. */
static int ensure_prepared(ap_dbd_t *rec, apr_hash_t **stmts, const char **failed)
{
    PGconn *pg = native(rec);
    int pid = pg ? PQbackendPID(pg) : 0;
    prepared_state_t *st = NULL;

    apr_pool_userdata_get((void **)&st, CONN_STATE_KEY, rec->pool);
    if (st == NULL) {
        st = apr_pcalloc(rec->pool, sizeof(*st));
        apr_pool_create(&st->pool, rec->pool);
        apr_pool_tag(st->pool, "gamehoney-stmts");
        apr_pool_userdata_setn(st, CONN_STATE_KEY, NULL, rec->pool);
    }
    if (pid != 0 && st->backend_pid == pid) {
        *stmts = st->stmts;
        return 0;
    }
    apr_pool_clear(st->pool);
    st->backend_pid = 0;
    st->stmts = apr_hash_make(st->pool);
    PQsetErrorVerbosity(pg, PQERRORS_VERBOSE);      /* errors carry their SQLSTATE */
    /* The areas' statements take arrays and CTEs: a custom plan always
     * looks cheaper to PostgreSQL, so without this it re-plans them (about
     * 2 ms each) on every execution. */
    {
        int n = 0;
        if (apr_dbd_query(rec->driver, rec->handle, &n,
                          "SET plan_cache_mode = force_generic_plan") != 0) {
            *failed = "SET plan_cache_mode";
            return -1;
        }
    }
    for (int i = 0; registry && i < registry->nelts; i++) {
        const gh_db_stmt_t *def = APR_ARRAY_IDX(registry, i, const gh_db_stmt_t *);
        apr_dbd_prepared_t *prep = NULL;
        if (apr_dbd_prepare(rec->driver, st->pool, rec->handle, def->sql,
                            def->label, &prep) != 0) {
            *failed = def->label;
            return -1;
        }
        apr_hash_set(st->stmts, def->label, APR_HASH_KEY_STRING, prep);
    }
    st->backend_pid = pid;
    *stmts = st->stmts;
    return 0;
}

/* Opens a connection with statements ready. A pooled connection whose
 * server went away since its last use is dropped before anything is sent,
 * and another is taken: mod_dbd resets a dropped one when it is next
 * handed out, but after a database restart every pooled connection is
 * stale, and concurrent requests may take the reset ones first. Nothing
 * was sent, so trying again is safe. */
#define STALE_TRIES 8
static int db_open(request_rec *r, gh_db_t *db)
{
    for (int attempt = 0;; attempt++) {
        const char *what = NULL;
        apr_time_t asked = apr_time_now();
        int status;

        memset(db, 0, sizeof(*db));
        db->r = r;
        db->rec = dbd_open ? dbd_open(r->pool, r->server) : NULL;
        gh_metrics_db_acquire(apr_time_now() - asked, db->rec != NULL);
        if (db->rec == NULL) {
            return gh_fail(r, HTTP_SERVICE_UNAVAILABLE, "database_unavailable",
                           "The database is unavailable; retry later.");
        }
        if (!connection_alive(db->rec)) {
            what = "connection check";
        }
        else if (ensure_prepared(db->rec, &db->stmts, &what) != 0) {
            what = apr_pstrcat(r->pool, "prepare of ", what, NULL);
        }
        else {
            return OK;
        }
        if (attempt < STALE_TRIES && connection_lost(db->rec)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "stale database connection at %s; retrying on a fresh one", what);
            dbd_close(r->server, db->rec);
            continue;
        }
        status = db_failure(r, db->rec, what);
        dbd_close(r->server, db->rec);
        return status;
    }
}

static int internal_error(request_rec *r)
{
    return gh_fail(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error", "An internal error occurred.");
}

static int rows_of(gh_db_t *db, const char *label, int nargs, const char *const *args,
                   apr_array_header_t **rows)
{
    apr_dbd_prepared_t *prep = apr_hash_get(db->stmts, label, APR_HASH_KEY_STRING);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *dbrow = NULL;
    const apr_dbd_driver_t *drv = db->rec->driver;
    int ncols;

    *rows = apr_array_make(db->r->pool, 8, sizeof(const char **));
    if (prep == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, "statement %s is not registered", label);
        return internal_error(db->r);
    }
    if (apr_dbd_pselect(drv, db->r->pool, db->rec->handle, &res, prep, 1,
                        nargs, (const char **)args) != 0) {
        return db_failure(db->r, db->rec, label);
    }
    /* Copied: the driver frees the result as soon as the last row is read. */
    ncols = apr_dbd_num_cols(drv, res);
    while (apr_dbd_get_row(drv, db->r->pool, res, &dbrow, -1) == 0) {
        const char **cols = apr_pcalloc(db->r->pool, sizeof(*cols) * (ncols + 1));
        for (int i = 0; i < ncols; i++) {
            char *v = NULL;
            if (apr_dbd_datum_get(drv, dbrow, i, APR_DBD_TYPE_STRING, &v) == APR_SUCCESS) {
                cols[i] = apr_pstrdup(db->r->pool, v);    /* else SQL NULL */
            }
        }
        APR_ARRAY_PUSH(*rows, const char **) = cols;
    }
    return OK;
}

int gh_db_query(request_rec *r, const char *label, int nargs, const char *const *args,
                apr_array_header_t **rows)
{
    gh_db_t db;
    int status = db_open(r, &db);

    if (status != OK) {
        *rows = apr_array_make(r->pool, 1, sizeof(const char **));
        return status;
    }
    status = rows_of(&db, label, nargs, args, rows);
    dbd_close(r->server, db.rec);
    return status;
}
