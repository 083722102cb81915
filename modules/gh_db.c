/* mod_dbd glue. Statements are prepared by us, per connection, rather than
 * with ap_dbd_prepare: when PostgreSQL restarts, apr_dbd's check_conn
 * PQreset()s the pooled connection and every server-side statement is
 * silently gone. The backend PID tells us when that has happened. */
#include <string.h>

#include "apr_dbd.h"
#include "apr_strings.h"
#include "http_protocol.h"
#include "mod_dbd.h"
#include <libpq-fe.h>

#include "gh_db.h"
#include "gh_http.h"
#include "gh_private.h"

struct gh_db {
    request_rec *r;
    ap_dbd_t *rec;
    apr_hash_t *stmts;               /* label -> apr_dbd_prepared_t* */
};

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

request_rec *gh_db_request(const gh_db_t *db)
{
    return db->r;
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

/* Records a failure on db's connection and returns the status to give:
 * 503 when the connection is gone, 500 for anything else. Only the first
 * line of the driver's message is logged; later lines may quote data. */
static int db_failure(request_rec *r, const ap_dbd_t *rec, const char *what)
{
    const char *msg = apr_dbd_error(rec->driver, rec->handle, 0);
    const char *first = msg ? apr_pstrmemdup(r->pool, msg, strcspn(msg, "\r\n")) : "";

    if (connection_lost(rec)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database connection lost during %s: %s",
                      what, first);
        return gh_fail(r, HTTP_SERVICE_UNAVAILABLE, "database_unavailable",
                       "The database is unavailable; retry later.");
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database error during %s: %s", what, first);
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

/* Runs one fixed command (BEGIN, COMMIT, ROLLBACK). apr_dbd's own
 * transaction_start dereferences NULL when BEGIN fails on a lost
 * connection, so transactions are driven with plain commands instead. */
static int db_command(gh_db_t *db, const char *sql)
{
    int n = 0;
    return apr_dbd_query(db->rec->driver, db->rec->handle, &n, sql);
}

/* Opens a connection with statements ready and starts a transaction. A
 * pooled connection whose server restarted fails at BEGIN; nothing has
 * been sent that could commit, so one retry is safe. The pool hands the
 * same connection back (it is LIFO), and mod_dbd resets it first. */
static int db_begin(request_rec *r, gh_db_t *db)
{
    for (int attempt = 0;; attempt++) {
        const char *what = NULL;
        int status;

        memset(db, 0, sizeof(*db));
        db->r = r;
        db->rec = dbd_open ? dbd_open(r->pool, r->server) : NULL;
        if (db->rec == NULL) {
            return gh_fail(r, HTTP_SERVICE_UNAVAILABLE, "database_unavailable",
                           "The database is unavailable; retry later.");
        }
        if (ensure_prepared(db->rec, &db->stmts, &what) != 0) {
            what = apr_pstrcat(r->pool, "prepare of ", what, NULL);
        }
        else if (db_command(db, "BEGIN") != 0) {
            what = "BEGIN";
        }
        else {
            return OK;
        }
        if (attempt == 0 && connection_lost(db->rec)) {
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

int gh_db_transaction(request_rec *r, gh_db_work_fn work, void *baton)
{
    gh_db_t db;
    int status = db_begin(r, &db);

    if (status != OK) {
        return status;
    }
    status = work(&db, baton);
    if (status == OK) {
        if (db_command(&db, "COMMIT") != 0) {
            status = db_failure(r, db.rec, "COMMIT");
        }
    }
    else {
        db_command(&db, "ROLLBACK");
    }
    if (!connection_lost(db.rec) && PQtransactionStatus(native(db.rec)) != PQTRANS_IDLE) {
        /* never hand the pool a connection inside a transaction */
        db_command(&db, "ROLLBACK");
    }
    dbd_close(r->server, db.rec);
    return status;
}

int gh_db_exec(gh_db_t *db, const char *label, int *nrows,
               int nargs, const char *const *args)
{
    apr_dbd_prepared_t *prep = apr_hash_get(db->stmts, label, APR_HASH_KEY_STRING);
    int n = 0;

    if (prep == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r, "statement %s is not registered", label);
        return gh_fail(db->r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                       "An internal error occurred.");
    }
    if (apr_dbd_pquery(db->rec->driver, db->r->pool, db->rec->handle, &n, prep,
                       nargs, (const char **)args) != 0) {
        return db_failure(db->r, db->rec, label);
    }
    if (nrows) {
        *nrows = n;
    }
    return OK;
}
