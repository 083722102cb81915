/* libFuzzer target: gh_rfc3339_parse, an SNS post's posted_at. Whatever
 * the bytes, a time that parses is from 1970 on, its canonical text
 * parses back to it, and parsing never reads past the length given (the
 * input is not NUL-terminated: ASan sees a read beyond it). */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_rfc3339.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    char *exact = malloc(size ? size : 1);
    apr_time_t t, back;

    if (exact == NULL) {
        abort();
    }
    memcpy(exact, data, size);
    if (gh_rfc3339_parse(exact, size, &t) == 0) {
        const char *canonical = gh_rfc3339_format(p, t);
        REQUIRE(t >= 0);
        REQUIRE(size >= 20);
        REQUIRE(strlen(canonical) == 27 && canonical[26] == 'Z');
        REQUIRE(gh_rfc3339_parse(canonical, strlen(canonical), &back) == 0 && back == t);
        REQUIRE(exact[4] == '-' && exact[7] == '-');
    }
    free(exact);
    apr_pool_clear(p);
    return 0;
}
