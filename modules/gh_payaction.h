/* Payaction API client (spec §3): orders and order exclusion, with the
 * mall's x-api-key and x-mall-id. Payaction takes no idempotency key, so
 * a call is never sent twice. Results, not answers: the deposits area
 * maps them to the seed's {"status":"fail","msg":...}. */
#ifndef GH_PAYACTION_H
#define GH_PAYACTION_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_result.h"

typedef struct {
    json_object *doc;            /* Payaction's answer, or NULL when it is not JSON */
    const char *detail;          /* its body as it came, or what failed in transport:
                                    for the log and the seed's payaction_response */
} gh_payaction_answer_t;

/* POSTs body (a JSON object) to path, e.g. "/order". GH_OK when Payaction
 * answered {"status":"success"}, with out->doc that document. GH_REFUSED
 * when it answered otherwise below HTTP 500: it did not take the call.
 * When its answer is unknown, so an order may exist there after all:
 * GH_UPSTREAM_TIMEOUT, GH_UPSTREAM_DOWN (unreachable), or GH_UPSTREAM_BAD
 * (a 5xx, or a broken or oversized answer). Logs nothing: the caller
 * knows which order it was. */
gh_result_t gh_payaction_call(request_rec *r, const char *path, json_object *body,
                              gh_payaction_answer_t *out);

#endif
