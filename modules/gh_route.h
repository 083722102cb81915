/* Route tables: each API area lists its routes as (method, pattern,
 * handler, flags) and this matches a request path relative to the area's
 * mount. Pure: needs only APR. */
#ifndef GH_ROUTE_H
#define GH_ROUTE_H

#include <apr_pools.h>

struct request_rec;

#define GH_ROUTE_MAX_PARAMS 4

typedef struct {
    int count;
    struct {
        const char *name;
        const char *value;
    } item[GH_ROUTE_MAX_PARAMS];
} gh_route_params_t;

typedef int (*gh_route_fn)(struct request_rec *r, const gh_route_params_t *params);

/* Route flags. */
#define GH_ROUTE_PUBLIC    0
#define GH_ROUTE_AUTH      1   /* httpd must have authenticated r->user */
#define GH_ROUTE_USER      2   /* a user signed in with a bearer token */

typedef struct {
    const char *method;    /* "GET", "POST", ...; GET also answers HEAD */
    const char *pattern;   /* "/", "/rooms/{id}": segments, {name} captures one */
    gh_route_fn handler;
    unsigned flags;
} gh_route_t;

typedef enum {
    GH_ROUTE_FOUND,
    GH_ROUTE_NOT_FOUND,
    GH_ROUTE_BAD_METHOD,
    GH_ROUTE_BAD_PARAM      /* found, but a captured segment is not UTF-8 */
} gh_route_result_e;

/* Finds the route for method and path in a table ended by a NULL method.
 * On GH_ROUTE_BAD_METHOD, *allow lists the methods the path does take.
 * Every captured parameter (path is already percent-decoded) must be
 * well-formed UTF-8, as every handler passes them on to PostgreSQL:
 * GH_ROUTE_BAD_PARAM otherwise, with *found set to the route. */
gh_route_result_e gh_route_find(apr_pool_t *p, const gh_route_t *table,
                                const char *method, const char *path,
                                const gh_route_t **found,
                                gh_route_params_t *params,
                                const char **allow);

/* The index in table of the route for method and path; for a path that
 * only other methods take, its first route (what a 405 is about); -1
 * when no route takes the path. */
int gh_route_index(apr_pool_t *p, const gh_route_t *table, const char *method,
                   const char *path);

/* The value of a captured parameter, or NULL. */
const char *gh_route_param(const gh_route_params_t *params, const char *name);

#endif
