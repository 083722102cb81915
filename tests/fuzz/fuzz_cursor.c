/* libFuzzer target: gh_cursor_parse, the list routes' ?cursor=. Whatever
 * the input, a cursor that parses is exactly the one gh_cursor_make gives
 * for its id, and that id is positive. The input is cut at its first NUL,
 * as a query value would be. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_cursor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    char *s = apr_pstrmemdup(p, (const char *)data, size);
    apr_int64_t id = 0;

    if (gh_cursor_parse(p, s, &id) == 0) {
        REQUIRE(id > 0);
        REQUIRE(strcmp(gh_cursor_make(p, id), s) == 0);
    }
    /* and every id's cursor parses back to it */
    if (size >= sizeof(apr_int64_t)) {
        apr_int64_t want;
        memcpy(&want, data, sizeof(want));
        if (want > 0) {
            REQUIRE(gh_cursor_parse(p, gh_cursor_make(p, want), &id) == 0 && id == want);
        }
    }
    apr_pool_clear(p);
    return 0;
}
