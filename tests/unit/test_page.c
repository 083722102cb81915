/* gh_page_read: a list's cursor and limit, as the query gave them. */
#include "check.h"
#include "suites.h"
#include "gh_cursor.h"
#include "gh_page.h"
#include "gh_rows.h"

static void reads(apr_pool_t *p)
{
    gh_page_t page;
    gh_result_t res;

    res = gh_page_read(p, NULL, NULL, 20, 100, &page);
    CHECK_INT_EQ(res.kind, GH_OK);
    CHECK_INT_EQ(page.limit, 20);
    CHECK_STR_EQ(page.fetch, "21");                  /* one more: is there another page? */
    CHECK_NULL(page.before);

    res = gh_page_read(p, gh_cursor_make(p, 41), "100", 20, 100, &page);
    CHECK_INT_EQ(res.kind, GH_OK);
    CHECK_INT_EQ(page.limit, 100);
    CHECK_STR_EQ(page.fetch, "101");
    CHECK_STR_EQ(page.before, "41");
    CHECK_INT_EQ(gh_page_shows(&page, 99), 1);
    CHECK_INT_EQ(gh_page_shows(&page, 100), 0);
}

static void refuses(apr_pool_t *p)
{
    static const char *const limits[] = { "0", "101", "-1", "", "abc", "1.5",
                                          "99999999999999999999" };
    static const char *const cursors[] = { "", "12", "garbage!" };
    gh_page_t page;
    gh_result_t res;

    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        res = gh_page_read(p, NULL, limits[i], 20, 100, &page);
        CHECK_INT_EQ(res.kind, GH_BAD_INPUT);
        CHECK_STR_EQ(res.message, "limit must be a whole number from 1 to 100.");
    }
    for (size_t i = 0; i < sizeof(cursors) / sizeof(cursors[0]); i++) {
        res = gh_page_read(p, cursors[i], NULL, 20, 100, &page);
        CHECK_INT_EQ(res.kind, GH_BAD_INPUT);
        CHECK_STR_EQ(res.message, "cursor must be a next_cursor this list gave.");
    }
}

/* gh_page_items: the rows shown, and a cursor after the last of them
 * only when more were fetched than the page shows. */
static void items(apr_pool_t *p)
{
    static const gh_col_t cols[] = {
        { "id", GH_COL_TEXT, "id" }, { "n", GH_COL_INT, "n" }, { NULL, 0, NULL }
    };
    static const char *const data[][2] = { { "9", "1" }, { "7", "2" }, { "4", "3" } };
    apr_array_header_t *rows = apr_array_make(p, 3, sizeof(const char *const *));
    request_rec r = { 0 };
    gh_page_t page;
    apr_int64_t after = 0;
    json_object *out, *next;

    r.pool = p;
    for (int i = 0; i < 3; i++) {
        APR_ARRAY_PUSH(rows, const char *const *) = data[i];
    }
    CHECK_INT_EQ(gh_page_read(p, NULL, "2", 20, 100, &page).kind, GH_OK);
    CHECK_INT_EQ(gh_page_shown(&page, 3), 2);
    CHECK_INT_EQ(gh_page_shown(&page, 2), 2);
    CHECK_INT_EQ(gh_page_shown(&page, 0), 0);
    out = gh_page_items(&r, &page, cols, rows);
    CHECK_STR_EQ(json_object_to_json_string_ext(json_object_object_get(out, "items"),
                                                JSON_C_TO_STRING_PLAIN),
                 "[{\"id\":\"9\",\"n\":1},{\"id\":\"7\",\"n\":2}]");
    next = json_object_object_get(out, "next_cursor");
    CHECK(next && gh_cursor_parse(p, json_object_get_string(next), &after) == 0 && after == 7);

    rows->nelts = 2;                                     /* no more rows: no cursor */
    out = gh_page_items(&r, &page, cols, rows);
    CHECK(json_object_object_get_ex(out, "next_cursor", &next) && next == NULL);
    rows->nelts = 0;
    out = gh_page_items(&r, &page, cols, rows);
    CHECK_STR_EQ(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN),
                 "{\"items\":[],\"next_cursor\":null}");
}

void test_page(apr_pool_t *p)
{
    reads(p);
    refuses(p);
    items(p);
}
