/* Public app settings (seed 002), mounted at /api/app-settings for
 * anyone: what a client shows before sign-in. The answer is cacheable for
 * a minute and carries a strong ETag, so a client that has it asks with
 * If-None-Match and gets 304 without a body. */
#include "http_protocol.h"

#include "gh_app_settings.h"
#include "gh_area.h"
#include "gh_etag.h"
#include "gh_http.h"

#define CACHE_CONTROL "public, max-age=60"

static int public_settings(request_rec *r, const gh_route_params_t *params)
{
    gh_app_settings_doc_t doc;
    int status;

    (void)params;
    if ((status = gh_answer(r, gh_app_settings_public(r, &doc))) != OK) {
        return status;
    }
    apr_table_setn(r->headers_out, "ETag", doc.etag);
    apr_table_setn(r->headers_out, "Cache-Control", CACHE_CONTROL);
    if (gh_etag_matches(apr_table_get(r->headers_in, "If-None-Match"), doc.etag)) {
        r->status = HTTP_NOT_MODIFIED;          /* headers only: RFC 9110 15.4.5 */
        return OK;
    }
    return gh_send_json_text(r, HTTP_OK, doc.text, doc.len);
}

static const gh_route_t routes[] = {
    { "GET", "/public", public_settings, GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_app_settings = { "app-settings", routes, NULL, NULL, NULL };
