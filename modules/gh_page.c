/* Keyset pagination: the query's cursor and limit, and the next cursor. */
#include "apr_strings.h"

#include "gh_cursor.h"
#include "gh_json.h"
#include "gh_page.h"
#include "gh_text.h"

gh_result_t gh_page_read(apr_pool_t *p, const char *cursor, const char *limit,
                         apr_int64_t dflt, apr_int64_t max, gh_page_t *page)
{
    apr_int64_t id;

    page->limit = dflt;
    if (limit && (gh_parse_int64_dec(limit, &page->limit) != 0 || page->limit < 1
                  || page->limit > max)) {
        return gh_result(GH_BAD_INPUT, NULL, apr_psprintf(p,
                         "limit must be a whole number from 1 to %" APR_INT64_T_FMT ".", max));
    }
    if (cursor && gh_cursor_parse(p, cursor, &id) != 0) {
        return gh_result(GH_BAD_INPUT, NULL, "cursor must be a next_cursor this list gave.");
    }
    page->before = cursor ? apr_psprintf(p, "%" APR_INT64_T_FMT, id) : NULL;
    page->fetch = apr_psprintf(p, "%" APR_INT64_T_FMT, page->limit + 1);
    return GH_RESULT_OK;
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

int gh_page_shown(const gh_page_t *page, int n)
{
    return n < page->limit ? n : (int)page->limit;
}

json_object *gh_page_items(request_rec *r, const gh_page_t *page, const gh_col_t *cols,
                           const apr_array_header_t *rows)
{
    int n = gh_page_shown(page, rows->nelts);
    json_object *out = gh_json_object(r->pool);

    json_object_object_add(out, "items", gh_rows_array(cols, rows, n));
    json_object_object_add(out, "next_cursor",
                           gh_page_next(r, page, rows->nelts,
                                        n ? gh_rows_text(cols, gh_rows_row(rows, n - 1), "id")
                                          : NULL));
    return out;
}
