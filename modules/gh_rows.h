/* Result rows (gh_db_query's const char ** of column texts, NULL for SQL
 * NULL) read by column name and turned into JSON by one table per
 * statement, instead of by positional indices at every use. Pure: needs
 * only APR and json-c. */
#ifndef GH_ROWS_H
#define GH_ROWS_H

#include <apr_tables.h>
#include <json-c/json.h>

/* How PostgreSQL's text of a column becomes JSON (SQL NULL is null). */
typedef enum {
    GH_COL_TEXT,      /* a string */
    GH_COL_INT,       /* an integer (bigint, count) */
    GH_COL_BOOL,      /* a boolean: PostgreSQL's "t" or "f" */
    GH_COL_TIME,      /* a string: the SELECT formats it (GH_SQL_ISO8601) */
    GH_COL_JSON       /* a json or jsonb column, parsed (null if it does not parse) */
} gh_col_type_e;

/* One column of a statement's SELECT list, in its order; a table of them
 * ends with a NULL name. */
typedef struct {
    const char *name;     /* the column's name, as the code reads it */
    gh_col_type_e type;
    const char *key;      /* its JSON member; NULL: read, never shown */
} gh_col_t;

/* The position of column name, or -1 when cols has none. */
int gh_rows_index(const gh_col_t *cols, const char *name);

/* Column name of row as text (NULL for SQL NULL or an unknown name). */
const char *gh_rows_text(const gh_col_t *cols, const char *const *row, const char *name);

/* ... as an integer (0 for SQL NULL). */
apr_int64_t gh_rows_int(const gh_col_t *cols, const char *const *row, const char *name);

/* ... as a boolean: 1 for "t", else 0. */
int gh_rows_bool(const gh_col_t *cols, const char *const *row, const char *name);

/* Row i of rows (an array of const char **). */
const char *const *gh_rows_row(const apr_array_header_t *rows, int i);

/* Adds to obj a member for every column that has a key, in cols' order. */
void gh_rows_add(json_object *obj, const gh_col_t *cols, const char *const *row);

/* A new object of those members; the caller owns the reference. */
json_object *gh_rows_object(const gh_col_t *cols, const char *const *row);

/* A new array of gh_rows_object of the first n rows (all for n < 0). */
json_object *gh_rows_array(const gh_col_t *cols, const apr_array_header_t *rows, int n);

#endif
