/* Matching of request paths against an area's route table. */
#include <string.h>

#include <apr_strings.h>

#include "gh_route.h"
#include "gh_text.h"

/* Matches one pattern; captures point into a copy of path made in p. */
static int path_match(apr_pool_t *p, const char *pattern, const char *path,
                      gh_route_params_t *params)
{
    const char *pp = pattern, *sp = path;

    params->count = 0;
    while (*pp && *sp) {
        if (*pp == '{') {
            const char *close = strchr(pp, '}');
            apr_size_t n = strcspn(sp, "/");

            if (close == NULL || n == 0 || params->count == GH_ROUTE_MAX_PARAMS) {
                return 0;
            }
            params->item[params->count].name = apr_pstrmemdup(p, pp + 1, close - pp - 1);
            params->item[params->count].value = apr_pstrmemdup(p, sp, n);
            params->count++;
            pp = close + 1;
            sp += n;
            continue;
        }
        if (*pp != *sp) {
            return 0;
        }
        pp++;
        sp++;
    }
    return *pp == '\0' && *sp == '\0';
}

static int params_valid(const gh_route_params_t *params)
{
    for (int i = 0; i < params->count; i++) {
        if (!gh_utf8_valid(params->item[i].value, strlen(params->item[i].value))) {
            return 0;
        }
    }
    return 1;
}

static int method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0
        || (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

gh_route_result_e gh_route_find(apr_pool_t *p, const gh_route_t *table,
                                const char *method, const char *path,
                                const gh_route_t **found,
                                gh_route_params_t *params,
                                const char **allow)
{
    const char *methods = NULL;
    gh_route_params_t scratch;

    *found = NULL;
    for (const gh_route_t *rt = table; rt->method; rt++) {
        if (!path_match(p, rt->pattern, path, &scratch)) {
            continue;
        }
        if (method_matches(rt->method, method)) {
            *found = rt;
            *params = scratch;
            return params_valid(params) ? GH_ROUTE_FOUND : GH_ROUTE_BAD_PARAM;
        }
        methods = methods ? apr_pstrcat(p, methods, ", ", rt->method, NULL)
                          : rt->method;
        if (strcmp(rt->method, "GET") == 0) {
            methods = apr_pstrcat(p, methods, ", HEAD", NULL);
        }
    }
    if (methods == NULL) {
        return GH_ROUTE_NOT_FOUND;
    }
    *allow = methods;
    return GH_ROUTE_BAD_METHOD;
}

const char *gh_route_param(const gh_route_params_t *params, const char *name)
{
    for (int i = 0; i < params->count; i++) {
        if (strcmp(params->item[i].name, name) == 0) {
            return params->item[i].value;
        }
    }
    return NULL;
}

int gh_route_index(apr_pool_t *p, const gh_route_t *table, const char *method,
                   const char *path)
{
    const gh_route_t *found;
    gh_route_params_t params;
    const char *allow;

    switch (gh_route_find(p, table, method, path, &found, &params, &allow)) {
    case GH_ROUTE_FOUND:
    case GH_ROUTE_BAD_PARAM:
        return (int)(found - table);
    case GH_ROUTE_BAD_METHOD:
        for (const gh_route_t *rt = table; rt->method; rt++) {
            if (path_match(p, rt->pattern, path, &params)) {
                return (int)(rt - table);
            }
        }
        break;
    case GH_ROUTE_NOT_FOUND:
        break;
    }
    return -1;
}
