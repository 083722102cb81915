/* Cognito's error answers: {"__type":"...","message":"..."}. */
#include <string.h>

#include <apr_strings.h>

#include "gh_json.h"
#include "gh_cognito_error.h"

#define TYPE_MAX 128

/* The shape name in a __type, or NULL when there is none. */
static const char *type_of(apr_pool_t *p, const char *raw)
{
    const char *end, *start, *hash;

    if (raw == NULL) {
        return NULL;
    }
    end = strchr(raw, ':');
    end = end ? end : raw + strlen(raw);
    start = raw;
    while ((hash = memchr(start, '#', (apr_size_t)(end - start))) != NULL) {
        start = hash + 1;
    }
    if (end == start || end - start > TYPE_MAX) {
        return NULL;
    }
    for (const char *c = start; c < end; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
              || *c == '_')) {
            return NULL;
        }
    }
    return *end ? apr_pstrmemdup(p, start, (apr_size_t)(end - start)) : start;
}

gh_cognito_error_e gh_cognito_error_parse(apr_pool_t *p, long status, const char *body,
                                          apr_size_t len, json_object **doc, const char **type)
{
    const char *err;

    *type = NULL;
    if (gh_json_parse(p, body, len, doc, &err) != 0
        || !json_object_is_type(*doc, json_type_object)) {
        *doc = NULL;
        return GH_COGNITO_NOT_JSON;
    }
    if (status == 200) {
        return GH_COGNITO_ANSWERED;
    }
    *type = type_of(p, gh_json_str(*doc, "__type"));
    return status >= 400 && status < 500 && *type ? GH_COGNITO_REFUSED : GH_COGNITO_FAILED;
}
