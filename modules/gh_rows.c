/* Rows by column name, and rows as JSON (see gh_rows.h). */
#include <string.h>

#include <apr_strings.h>

#include "gh_rows.h"

int gh_rows_index(const gh_col_t *cols, const char *name)
{
    for (int i = 0; cols[i].name; i++) {
        if (strcmp(cols[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

const char *gh_rows_text(const gh_col_t *cols, const char *const *row, const char *name)
{
    int i = gh_rows_index(cols, name);
    return i < 0 ? NULL : row[i];
}

apr_int64_t gh_rows_int(const gh_col_t *cols, const char *const *row, const char *name)
{
    const char *v = gh_rows_text(cols, row, name);
    return v ? apr_atoi64(v) : 0;
}

int gh_rows_bool(const gh_col_t *cols, const char *const *row, const char *name)
{
    const char *v = gh_rows_text(cols, row, name);
    return v != NULL && strcmp(v, "t") == 0;
}

const char *const *gh_rows_row(const apr_array_header_t *rows, int i)
{
    return APR_ARRAY_IDX(rows, i, const char *const *);
}

static json_object *value(gh_col_type_e type, const char *v)
{
    if (v == NULL) {
        return NULL;
    }
    switch (type) {
    case GH_COL_INT:
        return json_object_new_int64(apr_atoi64(v));
    case GH_COL_BOOL:
        return json_object_new_boolean(strcmp(v, "t") == 0);
    case GH_COL_JSON:
        return json_tokener_parse(v);
    case GH_COL_TEXT:
    case GH_COL_TIME:
        break;
    }
    return json_object_new_string(v);
}

void gh_rows_add(json_object *obj, const gh_col_t *cols, const char *const *row)
{
    for (int i = 0; cols[i].name; i++) {
        if (cols[i].key) {
            json_object_object_add(obj, cols[i].key, value(cols[i].type, row[i]));
        }
    }
}

json_object *gh_rows_object(const gh_col_t *cols, const char *const *row)
{
    json_object *obj = json_object_new_object();

    gh_rows_add(obj, cols, row);
    return obj;
}

json_object *gh_rows_array(const gh_col_t *cols, const apr_array_header_t *rows, int n)
{
    json_object *list = json_object_new_array();

    for (int i = 0; i < rows->nelts && (n < 0 || i < n); i++) {
        json_object_array_add(list, gh_rows_object(cols, gh_rows_row(rows, i)));
    }
    return list;
}
