/* libFuzzer target: gh_toss_envelope_parse, the envelope of Apps in Toss
 * answers. The first input byte picks the HTTP status (STATUSES); the
 * rest is the body.
 *
 * A model written from spec §1 names the shape of the body first
 * (SUCCESS envelope, FAIL envelope, bare token error, neither), then the
 * kind from the shape and the status; the module must agree on the kind,
 * the code and the success object. And the classification is consistent:
 * a refusal's code is loggable and its status under 500; SUCCESS does not
 * depend on the status; every other status under 500 gives the same
 * kind; a FAIL envelope rebuilt around the code gives the code back. */
#include <apr_strings.h>

#include "fuzz.h"
#include "gh_json.h"
#include "gh_toss_envelope.h"

static const long STATUSES[] = { 200, 201, 204, 302, 400, 401, 403, 404, 429, 499,
                                 500, 502, 503, 504, 599, 0 };
#define N_STATUSES (sizeof(STATUSES) / sizeof(STATUSES[0]))

enum { NOT_JSON, SUCCESS_ENV, FAIL_ENV, BARE_ERROR, NEITHER };

static json_object *get(json_object *obj, const char *name)
{
    json_object *v = NULL;
    return json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, name, &v)
         ? v : NULL;
}

static int is_string(json_object *v, const char *want)
{
    return json_object_is_type(v, json_type_string)
        && (size_t)json_object_get_string_len(v) == strlen(want)
        && memcmp(json_object_get_string(v), want, strlen(want)) == 0;
}

/* The header's rule for a code: 1 to 64 printable ASCII characters (so,
 * no NUL either); the code, or NULL. */
static const char *loggable(json_object *v)
{
    const char *s;
    int n;

    if (!json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    s = json_object_get_string(v);
    n = json_object_get_string_len(v);
    if (n < 1 || n > 64) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (!(s[i] >= '!' && s[i] <= '~')) {
            return NULL;
        }
    }
    return s;
}

/* The shape of doc, spec §1. */
static int shape_of(json_object *doc)
{
    if (!json_object_is_type(doc, json_type_object)) {
        return NOT_JSON;
    }
    if (is_string(get(doc, "resultType"), "SUCCESS")
        && json_object_is_type(get(doc, "success"), json_type_object)) {
        return SUCCESS_ENV;
    }
    if (is_string(get(doc, "resultType"), "FAIL")) {
        return FAIL_ENV;
    }
    if (!json_object_object_get_ex(doc, "resultType", NULL) && loggable(get(doc, "error"))) {
        return BARE_ERROR;
    }
    return NEITHER;
}

/* shape x status class -> kind: a SUCCESS envelope wins at any status;
 * at 500 or more nothing else counts as a refusal. */
static gh_toss_envelope_e kind_of(int shape, long status)
{
    static const gh_toss_envelope_e table[][2] = {
        /*               under 500            500 or more */
        [NOT_JSON]    = { GH_TOSS_NOT_JSON,    GH_TOSS_NOT_JSON },
        [SUCCESS_ENV] = { GH_TOSS_SUCCESS,     GH_TOSS_SUCCESS },
        [FAIL_ENV]    = { GH_TOSS_REFUSED,     GH_TOSS_FAILED },
        [BARE_ERROR]  = { GH_TOSS_REFUSED,     GH_TOSS_FAILED },
        [NEITHER]     = { GH_TOSS_NO_ENVELOPE, GH_TOSS_FAILED },
    };
    return table[shape][status >= 500];
}

static gh_toss_envelope_e classify(apr_pool_t *p, long status, const char *body, size_t len,
                                   json_object **success, const char **code)
{
    gh_toss_envelope_e kind = gh_toss_envelope_parse(p, status, body, len, success, code);

    REQUIRE(kind == GH_TOSS_SUCCESS || kind == GH_TOSS_REFUSED || kind == GH_TOSS_FAILED
            || kind == GH_TOSS_NOT_JSON || kind == GH_TOSS_NO_ENVELOPE);
    REQUIRE((kind == GH_TOSS_SUCCESS) == (*success != NULL));
    REQUIRE((kind == GH_TOSS_REFUSED) == (*code != NULL));
    return kind;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_root_pool();
    long status;
    const char *body, *code, *err, *want_code = NULL;
    size_t len;
    json_object *doc = NULL, *success;
    gh_toss_envelope_e kind, want;
    int shape;

    if (size == 0) {
        return 0;
    }
    status = STATUSES[data[0] % N_STATUSES];
    body = (const char *)data + 1;
    len = size - 1;

    kind = classify(p, status, body, len, &success, &code);
    shape = gh_json_parse(p, body, len, &doc, &err) == 0 ? shape_of(doc) : NOT_JSON;
    want = kind_of(shape, status);
    if (want == GH_TOSS_REFUSED) {
        if (shape == FAIL_ENV) {
            want_code = loggable(get(get(doc, "error"), "errorCode"));
            want_code = want_code ? want_code : "FAIL";
        }
        else {
            want_code = loggable(get(doc, "error"));
        }
    }
    if (kind != want) {
        fprintf(stderr, "status %ld: gh_toss_envelope_parse gave kind %d, the model %d\n",
                status, (int)kind, (int)want);
        abort();
    }
    REQUIRE(kind != GH_TOSS_SUCCESS || json_object_equal(success, get(doc, "success")));
    REQUIRE(kind != GH_TOSS_REFUSED || strcmp(code, want_code) == 0);

    /* the same body at every other status */
    for (size_t i = 0; i < N_STATUSES; i++) {
        json_object *s2;
        const char *c2;
        gh_toss_envelope_e k2 = classify(p, STATUSES[i], body, len, &s2, &c2);

        if (kind == GH_TOSS_SUCCESS || kind == GH_TOSS_NOT_JSON) {
            REQUIRE(k2 == kind);
        }
        else if (STATUSES[i] >= 500) {
            REQUIRE(k2 == GH_TOSS_FAILED);
        }
        else if (status < 500) {
            REQUIRE(k2 == kind);
            REQUIRE(kind != GH_TOSS_REFUSED || strcmp(c2, code) == 0);
        }
    }

    /* a refusal's code survives being sent again in a FAIL envelope */
    if (kind == GH_TOSS_REFUSED) {
        json_object *again = gh_json_object(p), *e = json_object_new_object();
        const char *text, *c2;
        apr_size_t tlen;
        json_object *s2;

        json_object_object_add(e, "errorCode", json_object_new_string(code));
        json_object_object_add(again, "resultType", json_object_new_string("FAIL"));
        json_object_object_add(again, "error", e);
        text = apr_pstrdup(p, gh_json_serialize(again, &tlen));
        REQUIRE(classify(p, 400, text, tlen, &s2, &c2) == GH_TOSS_REFUSED);
        REQUIRE(strcmp(c2, code) == 0);
    }
    apr_pool_clear(p);
    return 0;
}
