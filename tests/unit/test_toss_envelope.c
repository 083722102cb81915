/* gh_toss_envelope: Apps in Toss answers (spec §1) classified by their
 * envelope and status. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_json.h"
#include "gh_toss_envelope.h"

static apr_pool_t *g_pool;

#define X16 "XXXXXXXXXXXXXXXX"
#define X64 X16 X16 X16 X16           /* the longest code */

/* The kind of body at status; *code the refusal's code or NULL. */
static gh_toss_envelope_e kind(long status, const char *body, const char **code)
{
    json_object *success = NULL;
    const char *c = NULL;
    gh_toss_envelope_e k = gh_toss_envelope_parse(g_pool, status, body, strlen(body), &success, &c);

    CHECK((k == GH_TOSS_SUCCESS) == (success != NULL));
    CHECK((k == GH_TOSS_REFUSED) == (c != NULL));
    if (code) {
        *code = c;
    }
    return k;
}

static void expect_refused(long status, const char *body, const char *want, int line)
{
    const char *code = NULL;
    gh_toss_envelope_e k = kind(status, body, &code);

    if (!check_int_eq(k, GH_TOSS_REFUSED, __FILE__, line, "kind", "GH_TOSS_REFUSED")
        || !check_str_eq(code, want, __FILE__, line, "code", "want")) {
        fprintf(stderr, "    HTTP %ld %s\n", status, body);
    }
}
#define REFUSED(status, body, want) expect_refused((status), (body), (want), __LINE__)

static void expect_kind(long status, const char *body, gh_toss_envelope_e want, int line)
{
    if (!check_int_eq(kind(status, body, NULL), want, __FILE__, line, "kind", "want")) {
        fprintf(stderr, "    HTTP %ld %s\n", status, body);
    }
}
#define KIND(status, body, want) expect_kind((status), (body), (want), __LINE__)

static void success(void)
{
    static const char token[] =
        "{\"resultType\":\"SUCCESS\",\"success\":{\"accessToken\":\"at\",\"refreshToken\":\"rt\","
        "\"scope\":\"user_name\",\"tokenType\":\"Bearer\",\"expiresIn\":3599}}";
    json_object *s = NULL;
    const char *code = "x";

    CHECK_INT_EQ(gh_toss_envelope_parse(g_pool, 200, token, strlen(token), &s, &code),
                 GH_TOSS_SUCCESS);
    CHECK_STR_EQ(gh_json_str(s, "accessToken"), "at");
    CHECK_NULL(code);
    /* the payload wins at any status */
    KIND(503, token, GH_TOSS_SUCCESS);
    KIND(400, token, GH_TOSS_SUCCESS);
}

static void refusals(void)
{
    /* spec §1's FAIL envelope, also with a 200 */
    REFUSED(400, "{\"resultType\":\"FAIL\",\"error\":{\"errorCode\":\"USER_NOT_FOUND\","
                 "\"reason\":\"...\"}}", "USER_NOT_FOUND");
    REFUSED(200, "{\"resultType\":\"FAIL\",\"error\":{\"errorCode\":\"INTERNAL_ERROR\"}}",
            "INTERNAL_ERROR");
    REFUSED(400, "{\"resultType\":\"FAIL\",\"error\":{\"errorCode\":"
                 "\"BAD_REQUEST_RETRIEVE_CERT_RESULT_EXCEEDED_LIMIT\"}}",
            "BAD_REQUEST_RETRIEVE_CERT_RESULT_EXCEEDED_LIMIT");
    /* a FAIL without a code that may be logged (1 to 64 printable ASCII
     * characters) is just "FAIL" */
    {
        static const char *const errors[] = {
            "", ",\"error\":\"INTERNAL_ERROR\"", ",\"error\":{\"errorCode\":5}",
            ",\"error\":{\"errorCode\":\"\"}", ",\"error\":{\"errorCode\":\"TWO WORDS\"}",
            ",\"error\":{\"errorCode\":\"A\\u0000B\"}", ",\"error\":{\"errorCode\":\"a\\nb\"}",
            ",\"error\":{\"errorCode\":\"\xed\x95\x9c\"}",
            ",\"error\":{\"errorCode\":\"" X64 "X\"}",
        };
        for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
            REFUSED(400, apr_pstrcat(g_pool, "{\"resultType\":\"FAIL\"", errors[i], "}", NULL),
                    "FAIL");
        }
        REFUSED(400, "{\"resultType\":\"FAIL\",\"error\":{\"errorCode\":\"" X64 "\"}}", X64);
    }

    /* spec §1: a token error can come bare, without resultType */
    REFUSED(400, "{\"error\":\"invalid_grant\"}", "invalid_grant");
    REFUSED(401, "{\"error\":\"invalid_grant\",\"error_description\":\"used\"}", "invalid_grant");
    /* but only with a code, and with no resultType at all */
    {
        static const char *const not_bare[] = {
            "{\"error\":\"\"}", "{\"error\":\"two words\"}", "{\"error\":{\"errorCode\":\"X\"}}",
            "{\"resultType\":null,\"error\":\"invalid_grant\"}",
            "{\"resultType\":\"OTHER\",\"error\":\"invalid_grant\"}",
        };
        for (size_t i = 0; i < sizeof(not_bare) / sizeof(not_bare[0]); i++) {
            KIND(400, not_bare[i], GH_TOSS_NO_ENVELOPE);
        }
    }
}

/* Kinds of answers, by status and body. */
static const struct {
    long status;
    const char *body;
    gh_toss_envelope_e kind;
} kinds[] = {
    { 200, "{\"resultType\":\"SUCCESS\",\"success\":{}}", GH_TOSS_SUCCESS },
    { 200, "{\"success\":{},\"resultType\":\"SUCCESS\",\"error\":\"x\"}", GH_TOSS_SUCCESS },
    /* a SUCCESS without an object to unwrap is no envelope */
    { 200, "{\"resultType\":\"SUCCESS\"}", GH_TOSS_NO_ENVELOPE },
    { 200, "{\"resultType\":\"SUCCESS\",\"success\":null}", GH_TOSS_NO_ENVELOPE },
    { 200, "{\"resultType\":\"SUCCESS\",\"success\":[]}", GH_TOSS_NO_ENVELOPE },
    { 502, "{\"resultType\":\"SUCCESS\"}", GH_TOSS_FAILED },
    { 200, "{\"resultType\":\"success\",\"success\":{}}", GH_TOSS_NO_ENVELOPE },
    { 200, "{\"resultType\":\"SUCCESS\\u0000\",\"success\":{}}", GH_TOSS_NO_ENVELOPE },
    /* 500 and more: Toss failed, whatever the envelope says */
    { 500, "{\"resultType\":\"FAIL\",\"error\":{\"errorCode\":\"INTERNAL_ERROR\","
           "\"reason\":\"internal server error\"}}", GH_TOSS_FAILED },
    { 503, "{\"error\":\"invalid_grant\"}", GH_TOSS_FAILED },
    { 502, "{}", GH_TOSS_FAILED },
    { 499, "{}", GH_TOSS_NO_ENVELOPE },
    { 200, "{}", GH_TOSS_NO_ENVELOPE },
    /* not a JSON object, at any status */
    { 502, "<html>Bad Gateway</html>", GH_TOSS_NOT_JSON },
    { 200, "", GH_TOSS_NOT_JSON },
    { 200, "[{\"resultType\":\"SUCCESS\",\"success\":{}}]", GH_TOSS_NOT_JSON },
    { 200, "\"SUCCESS\"", GH_TOSS_NOT_JSON },
    { 200, "{\"resultType\":\"SUCCESS\",\"success\":{}", GH_TOSS_NOT_JSON },
    { 500, "null", GH_TOSS_NOT_JSON },
};

static void other_kinds(void)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        KIND(kinds[i].status, kinds[i].body, kinds[i].kind);
    }
}

void test_toss_envelope(apr_pool_t *p)
{
    g_pool = p;
    success();
    refusals();
    other_kinds();
}
