/* Database access through mod_dbd: named prepared statements, each run as
 * an atomic unit. A pooled connection is held only while one statement
 * runs, never across a stream. */
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

/* Adds an area's statements to the set prepared on every connection. */
void gh_db_register(apr_pool_t *pconf, const gh_db_stmt_t *stmts);

/* post_config: finds mod_dbd. Returns OK or HTTP_INTERNAL_SERVER_ERROR. */
int gh_db_post_config(apr_pool_t *pconf, server_rec *s);

/* child_init: the per-child record of which databases are down. */
void gh_db_child_init(apr_pool_t *pchild);

/* Runs one registered statement on a pooled connection, with nargs string
 * arguments (NULL is SQL NULL), and collects its rows: each element of
 * *rows is a const char ** of the columns as strings (NULL for SQL NULL),
 * valid for the request. A statement is atomic by itself, so a change to
 * several tables is one data-modifying CTE: all or nothing. Returns OK,
 * or 409 (a unique violation: a concurrent insert won), 503 (the
 * database cannot be reached; nothing was changed) or 500, recorded with
 * gh_fail. A statement whose connection died before it took effect is
 * sent again on a fresh connection (see gh_db.c for the rule). */
int gh_db_query(request_rec *r, const char *label, int nargs, const char *const *args,
                apr_array_header_t **rows);

/* The SQLSTATE of r's last failed gh_db_query ("" when it had none, or
 * the last query succeeded). */
const char *gh_db_failed_sqlstate(const request_rec *r);

#endif
