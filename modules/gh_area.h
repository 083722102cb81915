/* What an API area gives the module core: its handler name, its route
 * table, its SQL, and optional start-up work. */
#ifndef GH_AREA_H
#define GH_AREA_H

#include "httpd.h"

#include "gh_sql.h"
#include "gh_route.h"

typedef struct {
    const char *name;                    /* SetHandler gamehoney-<name> */
    const gh_route_t *routes;            /* ends with a NULL method */
    const gh_db_stmt_t *statements;      /* ends with a NULL label; may be NULL */
    int (*post_config)(apr_pool_t *pconf, server_rec *s);   /* may be NULL */
    void (*child_init)(apr_pool_t *pchild, server_rec *s);  /* may be NULL */
} gh_area_t;

#endif
