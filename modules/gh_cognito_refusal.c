/* Cognito's exceptions, by what they say of the request. */
#include <string.h>

#include "gh_cognito_refusal.h"

static const struct {
    const char *type;
    gh_kind_e kind;
    const char *message;
} exceptions[] = {
    { "NotAuthorizedException", GH_REFUSED, "Incorrect username or password." },
    /* no account enumeration: as a wrong password */
    { "UserNotFoundException", GH_REFUSED, "Incorrect username or password." },
    { "UsernameExistsException", GH_CONFLICT, "An account with this username already exists." },
    { "UserNotConfirmedException", GH_REFUSED, "The account is not confirmed yet." },
    { "InvalidPasswordException", GH_BAD_INPUT,
      "The password does not meet the password policy." },
    { "CodeMismatchException", GH_BAD_INPUT, "The confirmation code is wrong." },
    { "ExpiredCodeException", GH_BAD_INPUT, "The confirmation code has expired." },
    { "InvalidParameterException", GH_BAD_INPUT, "Cognito refused a parameter." },
    { "TooManyRequestsException", GH_REFUSED, "Too many requests to Cognito; retry later." },
    { "LimitExceededException", GH_REFUSED, "Too many attempts; retry later." },
    { "TooManyFailedAttemptsException", GH_REFUSED, "Too many failed attempts; retry later." },
};

gh_result_t gh_cognito_refusal(const char *type)
{
    for (size_t i = 0; type && i < sizeof(exceptions) / sizeof(exceptions[0]); i++) {
        if (strcmp(type, exceptions[i].type) == 0) {
            return gh_result(exceptions[i].kind, exceptions[i].type, exceptions[i].message);
        }
    }
    return gh_result(GH_REFUSED, GH_COGNITO_UNKNOWN, "Cognito refused the request.");
}
