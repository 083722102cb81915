/* Apps in Toss envelopes: SUCCESS and FAIL, and the bare token error. */
#include <string.h>

#include "gh_json.h"
#include "gh_toss_envelope.h"

#define CODE_MAX 64

/* s when it is a code that may be logged as it is, else NULL. */
static const char *code_of(const char *s)
{
    apr_size_t n = 0;

    for (; s && s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= CODE_MAX || c <= 0x20 || c >= 0x7f) {
            return NULL;
        }
    }
    return n ? s : NULL;
}

gh_toss_envelope_e gh_toss_envelope_parse(apr_pool_t *p, long status, const char *body,
                                          apr_size_t len, json_object **success,
                                          const char **code)
{
    json_object *doc;
    const char *err, *type;

    *success = NULL;
    *code = NULL;
    if (gh_json_parse(p, body, len, &doc, &err) != 0
        || !json_object_is_type(doc, json_type_object)) {
        return GH_TOSS_NOT_JSON;
    }
    type = gh_json_str(doc, "resultType");
    if (type && strcmp(type, "SUCCESS") == 0 && (*success = gh_json_obj(doc, "success"))) {
        return GH_TOSS_SUCCESS;
    }
    if (status >= 500) {
        return GH_TOSS_FAILED;
    }
    if (type && strcmp(type, "FAIL") == 0) {
        *code = code_of(gh_json_str(gh_json_obj(doc, "error"), "errorCode"));
        *code = *code ? *code : "FAIL";
        return GH_TOSS_REFUSED;
    }
    if (!json_object_object_get_ex(doc, "resultType", NULL)
        && (*code = code_of(gh_json_str(doc, "error"))) != NULL) {
        return GH_TOSS_REFUSED;
    }
    return GH_TOSS_NO_ENVELOPE;
}
