/* gh_cognito_refusal: what each of Cognito's exceptions means (kind,
 * reason, message), and what an unknown one does. */
#include <string.h>

#include "check.h"
#include "suites.h"
#include "gh_cognito_refusal.h"

/* Each exception by what it says of the request: its kind, and its own
 * name as the reason (from the table's storage, not the caller's). */
static void expect_kind(const char *type, gh_kind_e kind)
{
    char copy[64];
    gh_result_t res;

    strcpy(copy, type);
    res = gh_cognito_refusal(copy);
    memset(copy, 'x', strlen(copy));
    if (!CHECK_INT_EQ(res.kind, kind)) {
        fprintf(stderr, "    type %s\n", type);
    }
    CHECK_STR_EQ(res.reason, type);
    /* a sentence for the client, which never names Cognito's exception */
    CHECK(res.message && strlen(res.message) > 10 && res.message[strlen(res.message) - 1] == '.');
    CHECK(res.message && strstr(res.message, "Exception") == NULL);
}

static void known(void)
{
    /* the credentials, the account's state or Cognito's limits refuse */
    expect_kind("NotAuthorizedException", GH_REFUSED);
    expect_kind("UserNotFoundException", GH_REFUSED);
    expect_kind("UserNotConfirmedException", GH_REFUSED);
    expect_kind("TooManyRequestsException", GH_REFUSED);
    expect_kind("LimitExceededException", GH_REFUSED);
    expect_kind("TooManyFailedAttemptsException", GH_REFUSED);
    /* the state forbids it: the username is taken */
    expect_kind("UsernameExistsException", GH_CONFLICT);
    /* the caller's input is wrong */
    expect_kind("InvalidPasswordException", GH_BAD_INPUT);
    expect_kind("CodeMismatchException", GH_BAD_INPUT);
    expect_kind("ExpiredCodeException", GH_BAD_INPUT);
    expect_kind("InvalidParameterException", GH_BAD_INPUT);

    /* no account enumeration: an unknown user reads as a wrong password */
    CHECK_STR_EQ(gh_cognito_refusal("UserNotFoundException").message,
                 gh_cognito_refusal("NotAuthorizedException").message);
    CHECK_STR_EQ(gh_cognito_refusal("NotAuthorizedException").message,
                 "Incorrect username or password.");
    /* a retry later is said so */
    CHECK(strstr(gh_cognito_refusal("TooManyRequestsException").message, "retry later") != NULL);
}

static void unknown(void)
{
    /* names Cognito may add, near misses and shape ids the caller did not
     * strip are all "Cognito refused", never a known meaning */
    static const char *const types[] = {
        "SomeBrandNewException", "ResourceNotFoundException", "InternalErrorException",
        "notauthorizedexception", "NotAuthorizedException ", "NotAuthorized",
        "com.amazonaws.cognito#NotAuthorizedException", "", "unknown",
    };
    gh_result_t res;

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        res = gh_cognito_refusal(types[i]);
        CHECK_INT_EQ(res.kind, GH_REFUSED);
        if (!CHECK_STR_EQ(res.reason, GH_COGNITO_UNKNOWN)) {
            fprintf(stderr, "    type \"%s\"\n", types[i]);
        }
        CHECK_STR_EQ(res.message, "Cognito refused the request.");
    }
    res = gh_cognito_refusal(NULL);
    CHECK_INT_EQ(res.kind, GH_REFUSED);
    CHECK_STR_EQ(res.reason, GH_COGNITO_UNKNOWN);
}

void test_cognito_refusal(apr_pool_t *p)
{
    (void)p;
    known();
    unknown();
}
