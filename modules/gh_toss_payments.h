/* Toss Payments API client (spec §2): confirm, cancel and look up a
 * payment, with Basic auth from GameHoneyTossPaymentsSecretKey and an
 * Idempotency-Key on every POST, so a retry never does the work twice.
 * Returns results (gh_result.h); the answer itself is gh_toss_answer.h's. */
#ifndef GH_TOSS_PAYMENTS_H
#define GH_TOSS_PAYMENTS_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_result.h"
#include "gh_toss_answer.h"

/* POST path with body (a JSON object) and idem_key, or GET when body is
 * NULL. OK with *out filled when Toss answered as its API says; a
 * transport failure (GH_UPSTREAM_TIMEOUT, GH_UPSTREAM_DOWN) or a malformed
 * answer (GH_UPSTREAM_BAD) is logged and returned. Toss's errors, its 5xx
 * and PROVIDER_ERROR included, come back as answers: see out->kind. */
gh_result_t gh_tp_call(request_rec *r, const char *path, json_object *body,
                       const char *idem_key, gh_tp_answer_t *out);

/* Logs a transient Toss error (GH_TP_TRANSIENT, or one left in flight)
 * and says to retry later: GH_UPSTREAM_BAD. */
gh_result_t gh_tp_retry_later(request_rec *r, const gh_tp_answer_t *a);

/* Toss answered, but not in a way that adds up (logged with why):
 * GH_UPSTREAM_BAD. */
gh_result_t gh_tp_unexpected(request_rec *r, const char *why);

#endif
