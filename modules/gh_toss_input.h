/* Validation of what Toss sends to the unlink callback (spec §1): a
 * userKey and an optional referrer, as JSON or as query parameters.
 * Pure: needs only APR and json-c. */
#ifndef GH_TOSS_INPUT_H
#define GH_TOSS_INPUT_H

#include <apr.h>
#include <json-c/json.h>

typedef struct {
    apr_int64_t user_key;     /* 0 is the Toss console's test button */
    const char *referrer;     /* NULL when absent */
} gh_toss_unlink_t;

/* Each returns NULL on success, or a message for the client. */
const char *gh_toss_unlink_from_json(json_object *body, gh_toss_unlink_t *out);
const char *gh_toss_unlink_from_query(const char *user_key, const char *referrer,
                                      gh_toss_unlink_t *out);

/* NULL when ref is an acceptable referrer. The three documented values
 * are UNLINK, WITHDRAWAL_TERMS and WITHDRAWAL_TOSS; other short upper-case
 * words are accepted too, so that a value Toss adds later is recorded
 * rather than turned into a lost callback. */
const char *gh_toss_referrer_check(const char *ref);

/* Non-zero when ref is one of the three documented values. */
int gh_toss_referrer_known(const char *ref);

#endif
