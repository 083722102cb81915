/* The signed-in user's SNS accounts (seed 002), mounted at
 * /api/me/sns-accounts inside /api/me's AuthType GameHoney: the linked
 * accounts with their item counts, and unlinking one. An id that is not
 * the user's own is 404, as an unknown one, so ids cannot be probed. */
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_http.h"
#include "gh_sns.h"
#include "gh_text.h"

static const gh_reason_map_t errors[] = {
    { "account", GH_E_SNS_ACCOUNT_NOT_FOUND },
    { NULL, 0 }
};

static int accounts(request_rec *r, const gh_route_params_t *params)
{
    json_object *out;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_sns_accounts(r, r->user, &out))) != OK) {
        return status;
    }
    return gh_send_json(r, HTTP_OK, out);
}

static int unlink_account(request_rec *r, const gh_route_params_t *params)
{
    const char *id = gh_route_param(params, "id");
    apr_int64_t n;
    int status;

    if (gh_parse_int64_dec(id, &n) != 0 || n < 1) {
        return gh_fail(r, GH_E_SNS_ACCOUNT_NOT_FOUND, NULL);
    }
    if ((status = gh_answer_mapped(r, gh_sns_unlink(r, r->user, id), errors)) != OK) {
        return status;
    }
    r->status = HTTP_NO_CONTENT;
    return OK;
}

static const gh_route_t routes[] = {
    { "GET",    "/",     accounts,       GH_ROUTE_USER },
    { "DELETE", "/{id}", unlink_account, GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_sns_accounts = { "sns-accounts", routes, NULL, NULL, NULL };
