/* mod_dbd glue. Statements are prepared by us, per connection, rather than
 * with ap_dbd_prepare: when PostgreSQL restarts, apr_dbd's check_conn
 * PQreset()s the pooled connection and every server-side statement is
 * silently gone. The backend PID tells us when that has happened.
 *
 * Every query is one statement, autocommitted: PostgreSQL makes a
 * statement atomic by itself, including the data-modifying CTEs the areas
 * use to change several tables at once, and it costs one round trip
 * instead of the three more that BEGIN and COMMIT would add.
 *
 * When a failed statement is run again. A pooled connection can die at
 * any moment (pg_terminate_backend, a server restart, a network cut).
 * Before anything is sent, a dead one is replaced: libpq has seen EOF, or
 * the server's FATAL ("terminating connection ...") arrived while the
 * connection sat idle, which our notice receiver records. Nothing was
 * sent, so any statement may go to a fresh connection. When the
 * connection breaks while the statement runs, it is sent again only if
 * that cannot do it twice:
 *   - a read (gh_dbrule_read_only: SELECT/WITH with no write, lock or
 *     unknown function call) is always sent again;
 *   - a write when the server's FATAL reached libpq while it was still
 *     idle (on_notice saw it as the statement began, before it was sent:
 *     the backend had already gone), or when the server answered 57P01
 *     (admin_shutdown: a terminated backend, a fast shutdown) or 57P05
 *     (idle_session_timeout).
 *     A backend says these from its interrupt processing, and an
 *     autocommitted statement commits at the protocol's Sync, with
 *     interrupts held, just before ReadyForQuery; a pooled backend (it does
 *     not LISTEN) processes no interrupt between that commit and
 *     ReadyForQuery, and when one lands while it writes ReadyForQuery it
 *     exits without a word (the client sees EOF). So a 57P01 answer means
 *     the statement never ran, or was rolled back with the session.
 *   - anything else that breaks a write (EOF or a reset with no message
 *     from the server, 57P02 crash_shutdown, which quickdie sends from a
 *     signal handler even after a commit) may have committed: it is not
 *     sent again, and the client gets 503 database_unavailable.
 * A statement the server rolled back for a concurrent one (40P01 deadlock,
 * 40001 serialization failure) on a live connection is run again too: it
 * changed nothing.
 * There are no explicit transactions here; if there were, a statement
 * failing before COMMIT was sent would be like a 57P01 (rolled back),
 * and a failure during COMMIT like an EOF (unknown: not resent). */
#include <string.h>

#include "apr_dbd.h"
#include "apr_strings.h"
#include "mod_dbd.h"
#include <libpq-fe.h>

#include "gh_db.h"
#include "gh_dbhealth.h"
#include "gh_dbrule.h"
#include "gh_metrics.h"
#include "gh_private.h"

/* A pooled connection, held for one statement. */
typedef struct {
    request_rec *r;
    ap_dbd_t *rec;
    apr_hash_t *stmts;               /* label -> apr_dbd_prepared_t* */
} gh_db_t;

/* State of one pooled connection, kept in its pool. */
typedef struct {
    int backend_pid;
    int fatal;                       /* the server said FATAL while we were idle */
    apr_pool_t *pool;                /* cleared on every re-prepare */
    apr_hash_t *stmts;
} prepared_state_t;

#define CONN_STATE_KEY "gamehoney:stmts"
#define SQLSTATE_NOTE  "gamehoney-sqlstate"
#define RESEND_TRIES   3

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;
static apr_array_header_t *registry;      /* of const gh_db_stmt_t* */
static apr_hash_t *reads;                 /* labels of the statements that only read */

static apr_status_t registry_reset(void *unused)
{
    (void)unused;
    registry = NULL;
    reads = NULL;
    return APR_SUCCESS;
}

void gh_db_register(apr_pool_t *pconf, const gh_db_stmt_t *stmts)
{
    if (registry == NULL) {
        registry = apr_array_make(pconf, 16, sizeof(const gh_db_stmt_t *));
        reads = apr_hash_make(pconf);
        /* the next generation's pconf gets a fresh registry */
        apr_pool_cleanup_register(pconf, NULL, registry_reset, apr_pool_cleanup_null);
    }
    for (; stmts && stmts->label; stmts++) {
        APR_ARRAY_PUSH(registry, const gh_db_stmt_t *) = stmts;
        if (gh_dbrule_read_only(stmts->sql)) {
            apr_hash_set(reads, stmts->label, APR_HASH_KEY_STRING, stmts->label);
        }
    }
}

void gh_db_child_init(apr_pool_t *pchild)
{
    gh_dbhealth_child_init(pchild);
}

const char *gh_db_failed_sqlstate(const request_rec *r)
{
    const char *st = apr_table_get(r->notes, SQLSTATE_NOTE);
    return st ? st : "";
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

/* A message the server sent outside a statement: while idle, that is the
 * FATAL a terminating backend sends before its EOF (other notices were
 * dropped by apr_dbd's own receiver, which this one replaces). */
static void on_notice(void *arg, const PGresult *res)
{
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    prepared_state_t *st = arg;

    if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0)) {
        st->fatal = 1;
    }
}

static prepared_state_t *conn_state(const ap_dbd_t *rec)
{
    prepared_state_t *st = NULL;

    apr_pool_userdata_get((void **)&st, CONN_STATE_KEY, rec->pool);
    if (st == NULL) {
        PGconn *pg = native(rec);
        st = apr_pcalloc(rec->pool, sizeof(*st));
        apr_pool_create(&st->pool, rec->pool);
        apr_pool_tag(st->pool, "gamehoney-stmts");
        apr_pool_userdata_setn(st, CONN_STATE_KEY, NULL, rec->pool);
        if (pg) {
            PQsetNoticeReceiver(pg, on_notice, st);     /* kept across PQreset */
        }
    }
    return st;
}

/* Whether the server is still there, found without a round trip: a server
 * that restarted or died has closed the socket, and non-blocking reads see
 * that. Two of them: the first may only collect the FATAL message a
 * terminating backend sends before its EOF. A connection whose server
 * said FATAL is finished even before that EOF comes: it is reset now, as
 * mod_dbd would do when it next handed it out. */
static int connection_alive(const ap_dbd_t *rec, prepared_state_t *st)
{
    PGconn *pg = native(rec);

    if (pg != NULL && PQstatus(pg) == CONNECTION_OK) {
        /* PQconsumeInput only reads; PQisBusy parses, so a FATAL read
         * reaches on_notice now */
        if (PQconsumeInput(pg)) {
            PQconsumeInput(pg);
        }
        PQisBusy(pg);
    }
    if (pg != NULL && st->fatal) {
        st->fatal = 0;
        PQreset(pg);                 /* a new backend: statements are prepared again */
    }
    return pg != NULL && PQstatus(pg) == CONNECTION_OK;
}

/* Records a failure on db's connection and says what it was: a conflict
 * for a unique violation (a concurrent insert won; callers may retry),
 * unavailable when the connection is gone, rejected for anything else. Only the first
 * line of the driver's message is logged; later lines may quote data. */
static gh_result_t db_failure(request_rec *r, const ap_dbd_t *rec, const char *what)
{
    const char *msg = apr_dbd_error(rec->driver, rec->handle, 0);
    const char *first = msg ? apr_pstrmemdup(r->pool, msg, strcspn(msg, "\r\n")) : "";
    char sqlstate[6];

    gh_dbrule_sqlstate(msg, sqlstate);
    apr_table_set(r->notes, SQLSTATE_NOTE, sqlstate);      /* for gh_batch */
    if (strcmp(sqlstate, "23505") == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "unique violation during %s", what);
        gh_metrics_db_error(GH_DB_ERROR_CONFLICT);
        return gh_result(GH_CONFLICT, "23505",
                       "A concurrent change conflicted with this one; retry.");
    }
    if (connection_lost(rec)) {
        gh_dbhealth_log_lost(r, what, first);
        gh_metrics_db_error(GH_DB_ERROR_LOST);
        return gh_result(GH_DB_UNAVAILABLE, NULL,
                       "The database is unavailable; retry later.");
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "database error during %s: %s", what, first);
    gh_metrics_db_error(GH_DB_ERROR_OTHER);
    return gh_result(GH_DB_REJECTED, NULL,
                   "The database rejected the operation.");
}

/* Makes sure every registered statement exists on rec's current backend.
 * Returns 0, or -1 with *failed naming the statement that failed. */
static int ensure_prepared(request_rec *r, ap_dbd_t *rec, prepared_state_t *st,
                           apr_hash_t **stmts, const char **failed)
{
    PGconn *pg = native(rec);
    int pid = pg ? PQbackendPID(pg) : 0;

    if (pid != 0 && st->backend_pid == pid) {
        *stmts = st->stmts;
        return 0;
    }
    apr_pool_clear(st->pool);
    st->backend_pid = 0;
    st->stmts = apr_hash_make(st->pool);
    gh_dbhealth_learn(r, pg);
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
static gh_result_t unavailable(void)
{
    return gh_result(GH_DB_UNAVAILABLE, NULL,
                   "The database is unavailable; retry later.");
}

static gh_result_t db_open(request_rec *r, gh_db_t *db)
{
    if (!gh_dbhealth_admit(r)) {
        gh_metrics_db_acquire(0, 0);
        return unavailable();
    }
    for (int attempt = 0;; attempt++) {
        const char *what = NULL;
        apr_time_t asked = apr_time_now();
        gh_result_t res;
        int lost;

        memset(db, 0, sizeof(*db));
        db->r = r;
        db->rec = dbd_open ? dbd_open(r->pool, r->server) : NULL;
        gh_metrics_db_acquire(apr_time_now() - asked, db->rec != NULL);
        if (db->rec == NULL) {
            gh_dbhealth_down(r, "no connection could be opened (mod_dbd says why)");
            return unavailable();
        }
        if (!connection_alive(db->rec, conn_state(db->rec))) {
            what = "connection check";
        }
        else if (ensure_prepared(r, db->rec, conn_state(db->rec), &db->stmts, &what) != 0) {
            what = apr_pstrcat(r->pool, "prepare of ", what, NULL);
        }
        else {
            gh_dbhealth_up(r);
            return GH_RESULT_OK;
        }
        lost = connection_lost(db->rec);
        if (attempt < STALE_TRIES && lost) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          "stale database connection at %s; retrying on a fresh one", what);
            dbd_close(r->server, db->rec);
            continue;
        }
        if (lost) {
            gh_dbhealth_down(r, "every connection was lost");
        }
        else {
            gh_dbhealth_up(r);
        }
        res = db_failure(r, db->rec, what);
        dbd_close(r->server, db->rec);
        return res;
    }
}

/* 0 with the rows, -1 when the statement failed (the driver says why),
 * -2 when it is not registered. */
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
        return -2;
    }
    if (apr_dbd_pselect(drv, db->r->pool, db->rec->handle, &res, prep, 1,
                        nargs, (const char **)args) != 0) {
        return -1;                   /* the caller sees why */
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
    return 0;
}

/* Whether the statement that just failed on db may be sent again on a
 * fresh connection (see the top of this file). */
static int may_resend(gh_db_t *db, const char *label)
{
    const char *msg;
    char sqlstate[6];
    int fatal, read_only;

    msg = apr_dbd_error(db->rec->driver, db->rec->handle, 0);
    gh_dbrule_sqlstate(msg, sqlstate);
    if (!connection_lost(db->rec)) {
        /* the statement itself failed: again only if the server undid it
         * for a concurrent one (two first sign-ins of one person) */
        if (!gh_dbrule_rolled_back(sqlstate)) {
            return 0;
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, db->r, "%s rolled back by the server (%s); "
                      "running it again", label, sqlstate);
        return 1;
    }
    /* a FATAL notice now came while libpq was still idle, reading what
     * was left before it sent this statement: the backend had gone */
    fatal = conn_state(db->rec)->fatal;
    conn_state(db->rec)->fatal = 0;
    read_only = reads && apr_hash_get(reads, label, APR_HASH_KEY_STRING);
    if (!gh_dbrule_resend(sqlstate, read_only, fatal)) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, db->r, "database connection lost during %s "
                  "before it took effect (%s); sending it again on a fresh one", label,
                  sqlstate[0] ? sqlstate : fatal ? "FATAL before it was sent" : "a read");
    return 1;
}

gh_result_t gh_db_query(request_rec *r, const char *label, int nargs,
                        const char *const *args, apr_array_header_t **rows)
{
    gh_db_t db;

    apr_table_unset(r->notes, SQLSTATE_NOTE);
    for (int attempt = 0;; attempt++) {
        gh_result_t res = db_open(r, &db);
        int rv;

        if (res.kind != GH_OK) {
            *rows = apr_array_make(r->pool, 1, sizeof(const char **));
            return res;
        }
        rv = rows_of(&db, label, nargs, args, rows);
        if (rv == -1 && attempt < RESEND_TRIES && may_resend(&db, label)) {
            dbd_close(r->server, db.rec);
            continue;
        }
        res = rv == 0 ? GH_RESULT_OK
            : rv == -1 ? db_failure(r, db.rec, label)
            : gh_result(GH_INTERNAL, NULL, NULL);
        dbd_close(r->server, db.rec);
        return res;
    }
}
