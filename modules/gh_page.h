/* Keyset pagination of list routes: ?cursor=<opaque>&limit=<n>, newest
 * first. A page asks for one row more than it shows, to know whether
 * another follows. */
#ifndef GH_PAGE_H
#define GH_PAGE_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_result.h"
#include "gh_rows.h"

typedef struct {
    const char *before;        /* ids below this one (SQL NULL: from the newest) */
    const char *fetch;         /* rows to ask for: limit + 1 */
    apr_int64_t limit;
} gh_page_t;

/* The page the query's cursor and limit values ask for (each NULL when
 * absent): limit 1 to max, default dflt. GH_OK, or GH_BAD_INPUT saying
 * which is wrong. */
gh_result_t gh_page_read(apr_pool_t *p, const char *cursor, const char *limit,
                         apr_int64_t dflt, apr_int64_t max, gh_page_t *page);

/* Whether row i of n fetched is shown. */
int gh_page_shows(const gh_page_t *page, int i);

/* How many of n rows fetched for page it shows. */
int gh_page_shown(const gh_page_t *page, int n);

/* {"items":[...], "next_cursor"}: the rows shown of those fetched for
 * page, each as cols makes it, keyed by their column "id"; owned by
 * r->pool. */
json_object *gh_page_items(request_rec *r, const gh_page_t *page, const gh_col_t *cols,
                           const apr_array_header_t *rows);

/* next_cursor: the cursor after the row last_id when more rows follow
 * (n fetched > limit), else JSON null. */
json_object *gh_page_next(request_rec *r, const gh_page_t *page, int n, const char *last_id);

#endif
