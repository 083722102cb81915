/* Parsing of the Toss unlink callback's userKey and referrer. */
#include <string.h>

#include "gh_text.h"
#include "gh_toss_input.h"

#define REFERRER_MAX 64

int gh_toss_referrer_known(const char *ref)
{
    return strcmp(ref, "UNLINK") == 0
        || strcmp(ref, "WITHDRAWAL_TERMS") == 0
        || strcmp(ref, "WITHDRAWAL_TOSS") == 0;
}

const char *gh_toss_referrer_check(const char *ref)
{
    size_t n = strlen(ref);

    if (n == 0 || n > REFERRER_MAX) {
        return "referrer must be 1 to 64 characters";
    }
    for (size_t i = 0; i < n; i++) {
        char c = ref[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            return "referrer must be upper-case letters, digits and '_'";
        }
    }
    return NULL;
}

const char *gh_toss_unlink_from_json(json_object *body, gh_toss_unlink_t *out)
{
    json_object *key, *ref;

    if (!json_object_is_type(body, json_type_object)) {
        return "request body must be a JSON object";
    }
    if (!json_object_object_get_ex(body, "userKey", &key)) {
        return "userKey is required";
    }
    /* json-c types an integral literal as int; 1.0 and 1e3 are doubles. */
    if (!json_object_is_type(key, json_type_int)) {
        return "userKey must be a non-negative integer";
    }
    out->user_key = json_object_get_int64(key);
    if (out->user_key < 0) {
        return "userKey must be a non-negative integer";
    }
    out->referrer = NULL;
    if (json_object_object_get_ex(body, "referrer", &ref)
        && !json_object_is_type(ref, json_type_null)) {
        const char *err;
        if (!json_object_is_type(ref, json_type_string)) {
            return "referrer must be a string";
        }
        out->referrer = json_object_get_string(ref);
        if ((size_t)json_object_get_string_len(ref) != strlen(out->referrer)) {
            return "referrer must not contain NUL";   /* \u0000 would truncate it */
        }
        if ((err = gh_toss_referrer_check(out->referrer)) != NULL) {
            return err;
        }
    }
    return NULL;
}

const char *gh_toss_unlink_from_query(const char *user_key, const char *referrer,
                                      gh_toss_unlink_t *out)
{
    if (user_key == NULL) {
        return "userKey is required";
    }
    if (gh_parse_int64_dec(user_key, &out->user_key) != 0) {
        return "userKey must be a non-negative integer";
    }
    out->referrer = NULL;
    if (referrer != NULL) {
        const char *err = gh_toss_referrer_check(referrer);
        if (err) {
            return err;
        }
        out->referrer = referrer;
    }
    return NULL;
}
