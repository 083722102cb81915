/* What a Cognito answer says (spec §5): a result, or an error whose type
 * a caller maps to a status. Pure: needs only APR and json-c, so it is
 * unit-tested and fuzzed. */
#ifndef GH_COGNITO_ERROR_H
#define GH_COGNITO_ERROR_H

#include <apr_pools.h>
#include <json-c/json.h>

typedef enum {
    GH_COGNITO_ANSWERED,     /* HTTP 200 */
    GH_COGNITO_REFUSED,      /* HTTP 4xx naming an error type */
    GH_COGNITO_FAILED,       /* any other status, or a 4xx naming none */
    GH_COGNITO_NOT_JSON      /* the body is not a JSON object */
} gh_cognito_error_e;

/* Reads the answer body[0..len) that came with HTTP status. Unless it is
 * NOT_JSON, *doc is the document (owned by p). *type is the error type
 * of a non-200 answer, or NULL: its "__type" ("NotAuthorizedException",
 * or a shape id "com.amazonaws...#NotAuthorizedException", and any ":..."
 * suffix dropped, as AWS's JSON protocol says), when what is left is 1 to
 * 128 ASCII letters, digits and '_'. */
gh_cognito_error_e gh_cognito_error_parse(apr_pool_t *p, long status, const char *body,
                                          apr_size_t len, json_object **doc, const char **type);

#endif
