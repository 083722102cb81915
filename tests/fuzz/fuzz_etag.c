/* libFuzzer target: gh_etag_matches, the If-None-Match header of the
 * cacheable answers. The input is the header (cut at its first NUL, as
 * httpd gives headers); the tag is a fixed one of ours. A header that
 * matches is "*" or names the tag's opaque-tag; one that names it alone,
 * bare or weak, always matches. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_etag.h"

#define TAG "\"0123abcd\""

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    char *header = apr_pstrmemdup(p, (const char *)data, size);

    if (gh_etag_matches(header, TAG)) {
        REQUIRE(strstr(header, TAG) != NULL || strchr(header, '*') != NULL);
    }
    REQUIRE(gh_etag_matches(apr_pstrcat(p, "W/", TAG, NULL), TAG));
    if (gh_etag_matches(header, "\"zz\"") && strchr(header, '*') == NULL) {
        /* a list that names ours keeps matching with ours added to it */
        REQUIRE(gh_etag_matches(apr_pstrcat(p, header, ", ", TAG, NULL), TAG));
    }
    apr_pool_clear(p);
    return 0;
}
