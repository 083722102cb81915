/* Keyset pagination of list routes: ?cursor=<opaque>&limit=<n>, newest
 * first. A page asks for one row more than it shows, to know whether
 * another follows. */
#ifndef GH_PAGE_H
#define GH_PAGE_H

#include "httpd.h"
#include <json-c/json.h>

typedef struct {
    const char *before;        /* ids below this one (SQL NULL: from the newest) */
    const char *fetch;         /* rows to ask for: limit + 1 */
    apr_int64_t limit;
} gh_page_t;

/* Reads cursor and limit (1 to max, default dflt) from r's query: OK, or
 * 400 invalid_request saying which is wrong. */
int gh_page_query(request_rec *r, apr_int64_t dflt, apr_int64_t max, gh_page_t *page);

/* Whether row i of n fetched is shown. */
int gh_page_shows(const gh_page_t *page, int i);

/* next_cursor: the cursor after the row last_id when more rows follow
 * (n fetched > limit), else JSON null. */
json_object *gh_page_next(request_rec *r, const gh_page_t *page, int n, const char *last_id);

#endif
