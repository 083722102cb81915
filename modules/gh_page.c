/* Keyset pagination: the query's cursor and limit, and the next cursor. */
#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_cursor.h"
#include "gh_http.h"
#include "gh_page.h"
#include "gh_text.h"

int gh_page_query(request_rec *r, apr_int64_t dflt, apr_int64_t max, gh_page_t *page)
{
    const char *cursor, *limit;
    apr_table_t *qs;
    apr_int64_t id;
    int status;

    if ((status = gh_http_query(r, &qs)) != OK
        || (status = gh_http_query_one(r, qs, "cursor", &cursor)) != OK
        || (status = gh_http_query_one(r, qs, "limit", &limit)) != OK) {
        return status;
    }
    page->limit = dflt;
    if (limit && (gh_parse_int64_dec(limit, &page->limit) != 0 || page->limit < 1
                  || page->limit > max)) {
        return gh_fail(r, GH_E_INVALID_REQUEST, apr_psprintf(r->pool,
                       "limit must be a whole number from 1 to %" APR_INT64_T_FMT ".", max));
    }
    if (cursor && gh_cursor_parse(r->pool, cursor, &id) != 0) {
        return gh_fail(r, GH_E_INVALID_REQUEST,
                       "cursor must be a next_cursor this list gave.");
    }
    page->before = cursor ? apr_psprintf(r->pool, "%" APR_INT64_T_FMT, id) : NULL;
    page->fetch = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, page->limit + 1);
    return OK;
}

int gh_page_shows(const gh_page_t *page, int i)
{
    return i < page->limit;
}

json_object *gh_page_next(request_rec *r, const gh_page_t *page, int n, const char *last_id)
{
    return n > page->limit && last_id
           ? json_object_new_string(gh_cursor_make(r->pool, apr_atoi64(last_id))) : NULL;
}
