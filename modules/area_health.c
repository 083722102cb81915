/* Liveness and readiness: /health and /api/health report the version and
 * whether the database answers; /live under either skips the database. */
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_db.h"
#include "gh_http.h"
#include "gh_json.h"
#include "gh_private.h"

static const gh_db_stmt_t statements[] = {
    { "gh_health_ping", "SELECT 1" },
    { NULL, NULL }
};

static json_object *status_body(request_rec *r, const char *status)
{
    json_object *body = gh_json_object(r->pool);
    json_object_object_add(body, "status", json_object_new_string(status));
    json_object_object_add(body, "version", json_object_new_string(GH_VERSION));
    return body;
}

static int health(request_rec *r, const gh_route_params_t *params)
{
    json_object *body;
    apr_array_header_t *rows;
    gh_result_t res;

    (void)params;
    if ((res = gh_db_query(r, "gh_health_ping", 0, NULL, &rows)).kind == GH_OK) {
        body = status_body(r, "ok");
        json_object_object_add(body, "database", json_object_new_string("ok"));
        return gh_send_json(r, HTTP_OK, body);
    }
    /* recorded, though the body is this route's own: the access log's
     * err= then says why */
    gh_fail_result(r, res);
    body = status_body(r, "unavailable");
    json_object_object_add(body, "database", json_object_new_string("unreachable"));
    json_object_object_add(body, "error",
                           json_object_new_string(gh_err_code(GH_E_DATABASE_UNAVAILABLE)));
    json_object_object_add(body, "message",
                           json_object_new_string("The database does not answer."));
    return gh_send_json(r, HTTP_SERVICE_UNAVAILABLE, body);
}

static int live(request_rec *r, const gh_route_params_t *params)
{
    (void)params;
    return gh_send_json(r, HTTP_OK, status_body(r, "ok"));
}

static const gh_route_t routes[] = {
    { "GET", "/",     health, GH_ROUTE_PUBLIC },
    { "GET", "/live", live,   GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_health = { "health", routes, statements, NULL, NULL };
