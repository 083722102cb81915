/* gh_cognito_error: Cognito's answers (spec §5) read into a result, or an
 * error type that gh_cognito maps to a status. */
#include <apr_strings.h>

#include "check.h"
#include "suites.h"
#include "gh_cognito_error.h"
#include "gh_json.h"

static apr_pool_t *g_pool;

static void expect(long status, const char *body, gh_cognito_error_e want, const char *want_type,
                   int line)
{
    json_object *doc = NULL;
    const char *type = "unset";
    gh_cognito_error_e k = gh_cognito_error_parse(g_pool, status, body, strlen(body), &doc, &type);

    if (!check_int_eq(k, want, __FILE__, line, "kind", "want")
        || !check_str_eq(type, want_type, __FILE__, line, "type", "want_type")
        || !check_bool((doc == NULL) == (k == GH_COGNITO_NOT_JSON), __FILE__, line,
                       "doc is set unless NOT_JSON")) {
        fprintf(stderr, "    HTTP %ld %s\n", status, body);
    }
}
#define EXPECT(status, body, want, type) expect((status), (body), (want), (type), __LINE__)

static void answers(void)
{
    static const char auth[] =
        "{\"AuthenticationResult\":{\"AccessToken\":\"a\",\"IdToken\":\"i\",\"RefreshToken\":\"r\","
        "\"ExpiresIn\":3600,\"TokenType\":\"Bearer\"},\"ChallengeParameters\":{}}";
    json_object *doc = NULL;
    const char *type;

    CHECK_INT_EQ(gh_cognito_error_parse(g_pool, 200, auth, sizeof(auth) - 1, &doc, &type),
                 GH_COGNITO_ANSWERED);
    CHECK_NULL(type);
    CHECK_NOT_NULL(gh_json_obj(doc, "AuthenticationResult"));
    EXPECT(200, "{}", GH_COGNITO_ANSWERED, NULL);             /* ConfirmSignUp, GlobalSignOut */
    /* a 200 is an answer even when it names a type */
    EXPECT(200, "{\"__type\":\"NotAuthorizedException\"}", GH_COGNITO_ANSWERED, NULL);
    /* other 2xx are not Cognito's */
    EXPECT(201, "{}", GH_COGNITO_FAILED, NULL);
}

static void refusals(void)
{
    static const char *const types[] = {
        "NotAuthorizedException", "UserNotConfirmedException", "UsernameExistsException",
        "CodeMismatchException", "InvalidPasswordException", "TooManyRequestsException",
    };

    EXPECT(400, "{\"__type\":\"NotAuthorizedException\",\"message\":\"Incorrect username or "
                "password.\"}", GH_COGNITO_REFUSED, "NotAuthorizedException");
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char body[200];
        apr_snprintf(body, sizeof(body), "{\"__type\":\"%s\",\"message\":\"...\"}", types[i]);
        EXPECT(400, body, GH_COGNITO_REFUSED, types[i]);
    }
    EXPECT(429, "{\"__type\":\"TooManyRequestsException\"}", GH_COGNITO_REFUSED,
           "TooManyRequestsException");
    EXPECT(499, "{\"__type\":\"X\"}", GH_COGNITO_REFUSED, "X");
    /* spec §5: some clients strip a "...#" prefix; AWS's JSON protocol also
     * drops a ":..." suffix */
    EXPECT(400, "{\"__type\":\"com.amazonaws.cognito.identity.idp.model#NotAuthorizedException\"}",
           GH_COGNITO_REFUSED, "NotAuthorizedException");
    EXPECT(400, "{\"__type\":\"NotAuthorizedException:http://internal.amazon.com/coral/\"}",
           GH_COGNITO_REFUSED, "NotAuthorizedException");
    EXPECT(400, "{\"__type\":\"a#b#CodeMismatchException:x#y:z\"}", GH_COGNITO_REFUSED,
           "CodeMismatchException");
    EXPECT(400, "{\"__type\":\"Code_Mismatch2\"}", GH_COGNITO_REFUSED, "Code_Mismatch2");
}

static void no_type(void)
{
    char body[300];
    static const char *const bad[] = {
        "{}", "{\"message\":\"no type\"}", "{\"__type\":\"\"}", "{\"__type\":\"#\"}",
        "{\"__type\":\"ns#\"}", "{\"__type\":\":NotAuthorizedException\"}",
        "{\"__type\":5}", "{\"__type\":null}", "{\"__type\":[\"NotAuthorizedException\"]}",
        "{\"__type\":\"NotAuthorized\\u0000Exception\"}", "{\"__type\":\"Not Authorized\"}",
        "{\"__type\":\"Not-Authorized\"}", "{\"__type\":\"\xc3\x89" "chec\"}",
        "{\"__type\":\"Name\\nInjected\"}", "{\"Type\":\"NotAuthorizedException\"}",
    };

    /* a 4xx naming no type is not a refusal Cognito explains */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        EXPECT(400, bad[i], GH_COGNITO_FAILED, NULL);
    }
    /* 1 to 128 characters */
    memset(body, 0, sizeof(body));
    memcpy(body, "{\"__type\":\"", 11);
    memset(body + 11, 'A', 128);
    memcpy(body + 139, "\"}", 2);
    EXPECT(400, body, GH_COGNITO_REFUSED, apr_pstrndup(g_pool, body + 11, 128));
    memset(body + 11, 'A', 129);
    memcpy(body + 140, "\"}", 3);
    EXPECT(400, body, GH_COGNITO_FAILED, NULL);
}

static void failures(void)
{
    /* 5xx: Cognito failed; the type is still read, for the log */
    EXPECT(500, "{\"__type\":\"InternalErrorException\",\"message\":\"An internal error "
                "occurred.\"}", GH_COGNITO_FAILED, "InternalErrorException");
    EXPECT(503, "{}", GH_COGNITO_FAILED, NULL);
    EXPECT(302, "{\"__type\":\"NotAuthorizedException\"}", GH_COGNITO_FAILED,
           "NotAuthorizedException");
    EXPECT(0, "{}", GH_COGNITO_FAILED, NULL);
    /* not a JSON object */
    EXPECT(502, "<html>Bad Gateway</html>", GH_COGNITO_NOT_JSON, NULL);
    EXPECT(200, "", GH_COGNITO_NOT_JSON, NULL);
    EXPECT(400, "[]", GH_COGNITO_NOT_JSON, NULL);
    EXPECT(400, "\"NotAuthorizedException\"", GH_COGNITO_NOT_JSON, NULL);
    EXPECT(200, "{\"AuthenticationResult\":{}", GH_COGNITO_NOT_JSON, NULL);
}

void test_cognito_error(apr_pool_t *p)
{
    g_pool = p;
    answers();
    refusals();
    no_type();
    failures();
}
