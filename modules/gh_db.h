/* Database access through mod_dbd: named prepared statements run as
 * atomic units of work. A pooled connection is held only for the length
 * of one unit of work, never across a stream. */
#ifndef GH_DB_H
#define GH_DB_H

#include "httpd.h"

/* A statement an area uses, in apr_dbd's placeholder syntax (%s, %lld).
 * Tables of these end with a NULL label. */
typedef struct {
    const char *label;     /* unique, "gh_<area>_<what>" */
    const char *sql;
} gh_db_stmt_t;

/* A timestamptz column as ISO 8601 UTC text, "2026-11-21T08:04:51Z". The
 * colons are quoted literals, so the text is also valid in a pgbench
 * script (which takes ":name" for a variable, even inside a string). */
#define GH_SQL_ISO8601(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24\":\"MI\":\"SS\"Z\"')"

typedef struct gh_db gh_db_t;

/* One unit of work; returns OK, or the status from gh_db_exec or gh_fail. */
typedef int (*gh_db_work_fn)(gh_db_t *db, void *baton);

/* Adds an area's statements to the set prepared on every connection. */
void gh_db_register(apr_pool_t *pconf, const gh_db_stmt_t *stmts);

/* post_config: finds mod_dbd. Returns OK or HTTP_INTERNAL_SERVER_ERROR. */
int gh_db_post_config(apr_pool_t *pconf, server_rec *s);

/* Runs work on one pooled connection. The work issues exactly one
 * statement, which PostgreSQL makes atomic by itself; a change to several
 * tables is one data-modifying CTE, so it is all or nothing. A second
 * statement is refused with 500. Returns OK, the work's status, or 503
 * when the database cannot be reached (no change is then made). */
int gh_db_run(request_rec *r, gh_db_work_fn work, void *baton);

/* Executes a registered statement with nargs string arguments (NULL is
 * SQL NULL). *nrows gets the affected or returned row count. Returns OK,
 * or 409 (unique violation), 503 or 500, already recorded with gh_fail. */
int gh_db_exec(gh_db_t *db, const char *label, int *nrows,
               int nargs, const char *const *args);

/* Executes a registered statement and collects every row it returns:
 * each element of *rows is a const char ** of its columns as strings (NULL
 * for SQL NULL), valid for the request. Returns OK, or 503/500 (already
 * recorded with gh_fail). */
int gh_db_rows(gh_db_t *db, const char *label, int nargs, const char *const *args,
               apr_array_header_t **rows);

/* The request a unit of work runs for. */
request_rec *gh_db_request(const gh_db_t *db);

#endif
