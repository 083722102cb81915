/* A named SQL statement, as areas and core files declare them for gh_db
 * to prepare on every connection. Plain data: no includes of ours. */
#ifndef GH_SQL_H
#define GH_SQL_H

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

#endif
