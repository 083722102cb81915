/* Opaque keyset cursors for list routes: a page ends at a row id, and the
 * next page starts after it. Pure: needs only APR and OpenSSL. */
#ifndef GH_CURSOR_H
#define GH_CURSOR_H

#include <apr.h>
#include <apr_pools.h>

/* The cursor of the page after the row with this id (> 0). */
const char *gh_cursor_make(apr_pool_t *p, apr_int64_t id);

/* The id a cursor made by gh_cursor_make holds: 0, or -1 for any other
 * text (only the canonical form of a cursor is taken). */
int gh_cursor_parse(apr_pool_t *p, const char *cursor, apr_int64_t *id);

#endif
