/* libFuzzer target: gh_cognito_error_parse, Cognito's answers and their
 * error bodies. The first input byte picks the HTTP status (STATUSES);
 * the rest is the body.
 *
 * A model written from spec §5 and AWS's JSON protocol (the error type is
 * __type with any "...#" prefix and ":..." suffix dropped) gives the kind
 * and the type; the module must agree. And: a refusal is a 4xx; a type
 * is a piece of the __type that holds neither '#' nor ':'; the type read
 * back from {"__type": type} is the same; the document is the body's. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_cognito_error.h"
#include "gh_json.h"

static const long STATUSES[] = { 200, 201, 204, 400, 401, 403, 404, 429, 499,
                                 500, 502, 503, 504, 0, 302, 600 };
#define N_STATUSES (sizeof(STATUSES) / sizeof(STATUSES[0]))

/* The shape name in v (a __type), into buf; NULL when there is none. */
static const char *model_type(json_object *v, char *buf, size_t size)
{
    static const char name_chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
    const char *s, *hash;
    size_t n;

    if (!json_object_is_type(v, json_type_string)
        || (n = (size_t)json_object_get_string_len(v)) >= size) {
        return NULL;
    }
    memcpy(buf, json_object_get_string(v), n + 1);
    if (strlen(buf) != n) {
        return NULL;                        /* holds a NUL: no string for C */
    }
    buf[strcspn(buf, ":")] = '\0';          /* "Name:http://..." */
    hash = strrchr(buf, '#');               /* "namespace#Name" */
    s = hash ? hash + 1 : buf;
    n = strlen(s);
    return n >= 1 && n <= 128 && strspn(s, name_chars) == n ? s : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    static char buf[70000];
    long status;
    const char *body, *type, *want_type = NULL, *err;
    size_t len;
    json_object *doc = NULL, *ref = NULL, *raw = NULL;
    gh_cognito_error_e kind, want;

    if (size == 0 || size > sizeof(buf) - 1) {
        return 0;
    }
    status = STATUSES[data[0] % N_STATUSES];
    body = (const char *)data + 1;
    len = size - 1;

    kind = gh_cognito_error_parse(p, status, body, len, &doc, &type);

    if (gh_json_parse(p, body, len, &ref, &err) != 0
        || !json_object_is_type(ref, json_type_object)) {
        want = GH_COGNITO_NOT_JSON;
    }
    else if (status == 200) {
        want = GH_COGNITO_ANSWERED;
    }
    else {
        json_object_object_get_ex(ref, "__type", &raw);
        want_type = model_type(raw, buf, sizeof(buf));
        want = status >= 400 && status <= 499 && want_type ? GH_COGNITO_REFUSED
                                                           : GH_COGNITO_FAILED;
    }
    if (kind != want || (type == NULL) != (want_type == NULL)
        || (type && strcmp(type, want_type) != 0)) {
        fprintf(stderr, "status %ld: gh_cognito_error_parse gave kind %d, type %s; the model "
                "kind %d, type %s\n", status, (int)kind, type ? type : "(none)", (int)want,
                want_type ? want_type : "(none)");
        abort();
    }

    REQUIRE((doc == NULL) == (kind == GH_COGNITO_NOT_JSON));
    REQUIRE(doc == NULL || json_object_equal(doc, ref));
    if (kind == GH_COGNITO_REFUSED) {
        REQUIRE(status >= 400 && status < 500 && type != NULL);
    }
    if (type) {
        json_object *again = gh_json_object(p), *doc2;
        const char *text, *type2;
        apr_size_t tlen;

        REQUIRE(kind == GH_COGNITO_REFUSED || kind == GH_COGNITO_FAILED);
        REQUIRE(strpbrk(type, "#:") == NULL);
        REQUIRE(strstr(json_object_get_string(raw), type) != NULL);
        json_object_object_add(again, "__type", json_object_new_string(type));
        text = apr_pstrdup(p, gh_json_serialize(again, &tlen));
        REQUIRE(gh_cognito_error_parse(p, 400, text, tlen, &doc2, &type2) == GH_COGNITO_REFUSED);
        REQUIRE(strcmp(type2, type) == 0);
    }
    apr_pool_clear(p);
    return 0;
}
