/* Home (issue 13), at /api/home behind AuthType GameHoney: the signed-in
 * user's summary, balance, current quests (made when missing), latest
 * analysis result and unread counts, from one SQL function call. */
#include <string.h>

#include "http_protocol.h"

#include "gh_area.h"
#include "gh_http.h"
#include "gh_quests.h"

static const gh_reason_map_t errors[] = {
    { "user", GH_E_USER_NOT_FOUND },
    { NULL, 0 }
};

static int home(request_rec *r, const gh_route_params_t *params)
{
    const char *out;
    int status;

    (void)params;
    if ((status = gh_answer_mapped(r, gh_quests_home(r, r->user, &out), errors)) != OK) {
        return status;
    }
    return gh_send_json_text(r, HTTP_OK, out, strlen(out));
}

static const gh_route_t routes[] = {
    { "GET", "/", home, GH_ROUTE_USER },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_home = { "home", routes, NULL, NULL, NULL };
