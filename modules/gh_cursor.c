/* A cursor is base64url of "k1:<id>": opaque to clients, so that its form
 * can change, and checked strictly, so that only ours are taken. */
#include <string.h>

#include <apr_strings.h>

#include "gh_crypto.h"
#include "gh_cursor.h"
#include "gh_text.h"

#define PREFIX     "k1:"
#define CURSOR_MAX 64

const char *gh_cursor_make(apr_pool_t *p, apr_int64_t id)
{
    const char *raw = apr_psprintf(p, PREFIX "%" APR_INT64_T_FMT, id);
    return gh_base64_encode(p, (const unsigned char *)raw, strlen(raw), 1);
}

int gh_cursor_parse(apr_pool_t *p, const char *cursor, apr_int64_t *id)
{
    apr_size_t n = strnlen(cursor, CURSOR_MAX + 1), len;
    unsigned char *raw;

    if (n == 0 || n > CURSOR_MAX
        || gh_base64_decode(p, cursor, n, 1, &raw, &len) != 0
        || len <= sizeof(PREFIX) - 1 || memchr(raw, '\0', len) != NULL
        || memcmp(raw, PREFIX, sizeof(PREFIX) - 1) != 0
        || gh_parse_int64_dec((const char *)raw + sizeof(PREFIX) - 1, id) != 0 || *id <= 0
        || strcmp(gh_cursor_make(p, *id), cursor) != 0) {
        return -1;
    }
    return 0;
}
