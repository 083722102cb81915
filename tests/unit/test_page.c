/* gh_page_read: a list's cursor and limit, as the query gave them. */
#include "check.h"
#include "suites.h"
#include "gh_cursor.h"
#include "gh_page.h"

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

void test_page(apr_pool_t *p)
{
    reads(p);
    refuses(p);
}
