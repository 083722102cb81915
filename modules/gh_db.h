/* Database access through mod_dbd: named prepared statements, each run as
 * an atomic unit. A pooled connection is held only while one statement
 * runs, never across a stream. */
#ifndef GH_DB_H
#define GH_DB_H

#include "httpd.h"

#include "gh_result.h"
#include "gh_sql.h"

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
 * GH_CONFLICT (a unique violation: a concurrent insert won; reason
 * "23505"), GH_DB_UNAVAILABLE (the database cannot be reached; nothing
 * was changed), GH_DB_REJECTED or GH_INTERNAL. A statement whose
 * connection died before it took effect is sent again on a fresh
 * connection (see gh_db.c for the rule). */
gh_result_t gh_db_query(request_rec *r, const char *label, int nargs,
                        const char *const *args, apr_array_header_t **rows);

/* The SQLSTATE of r's last failed gh_db_query ("" when it had none, or
 * the last query succeeded). */
const char *gh_db_failed_sqlstate(const request_rec *r);

#endif
