/* What Cognito's exceptions (spec §5: a 4xx whose __type names one) mean:
 * a result whose kind says what happened, whose reason is the exception's
 * name and whose message is what a client is told. Which error code each
 * becomes is the caller's (gh_auth.c). Pure: no includes but the result,
 * so C unit tests cover every exception. */
#ifndef GH_COGNITO_REFUSAL_H
#define GH_COGNITO_REFUSAL_H

#include "gh_result.h"

/* The reason of an exception this client does not know; the caller logs
 * its name. */
#define GH_COGNITO_UNKNOWN "unknown"

/* The result for exception type (the name, without a "...#" prefix), with
 * a static reason and message. */
gh_result_t gh_cognito_refusal(const char *type);

#endif
