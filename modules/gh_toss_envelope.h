/* The envelope of Apps in Toss answers (spec §1): what an answer says,
 * before anything looks inside it. Pure: needs only APR and json-c, so it
 * is unit-tested and fuzzed. */
#ifndef GH_TOSS_ENVELOPE_H
#define GH_TOSS_ENVELOPE_H

#include <apr_pools.h>
#include <json-c/json.h>

typedef enum {
    GH_TOSS_SUCCESS,         /* {"resultType":"SUCCESS","success":{...}}, any status */
    GH_TOSS_REFUSED,         /* below 500: a FAIL envelope, or a bare {"error":"<code>"} */
    GH_TOSS_FAILED,          /* 500 or more, and not SUCCESS: Toss failed, it did not refuse */
    GH_TOSS_NOT_JSON,        /* the body is not a JSON object */
    GH_TOSS_NO_ENVELOPE      /* a JSON object in neither shape */
} gh_toss_envelope_e;

/* Classifies the answer body[0..len) that came with HTTP status. For
 * SUCCESS, *success is the success object (owned by p); for REFUSED,
 * *code is the error's code: error.errorCode of a FAIL envelope, or "FAIL"
 * when it has none; the string of a bare error, which has no resultType.
 * A code counts only when it is 1 to 64 printable ASCII characters (it is
 * logged). Otherwise both are NULL. */
gh_toss_envelope_e gh_toss_envelope_parse(apr_pool_t *p, long status, const char *body,
                                          apr_size_t len, json_object **success,
                                          const char **code);

#endif
