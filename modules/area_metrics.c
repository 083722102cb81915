/* GET /metrics: the shared figures of gh_metrics in Prometheus' text
 * format. Operators restrict it (the shipped conf: Require ip). */
#include "http_protocol.h"

#include "gh_area.h"
#include "gh_http.h"
#include "gh_metrics.h"

static int metrics(request_rec *r, const gh_route_params_t *params)
{
    (void)params;
    if (!gh_metrics_ready()) {
        return gh_fail(r, GH_E_METRICS_UNAVAILABLE,
                       "The metrics are not available.");
    }
    return gh_metrics_send(r);
}

static const gh_route_t routes[] = {
    { "GET", "/", metrics, GH_ROUTE_PUBLIC },
    { NULL, NULL, NULL, 0 }
};

const gh_area_t gh_area_metrics = { "metrics", routes, NULL, NULL, NULL };
