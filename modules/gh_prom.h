/* The pure parts of the metrics: histogram bucket choice, Prometheus
 * label escaping, status classes and the layout fingerprint. Needs only
 * APR, so the unit tests link it directly. */
#ifndef GH_PROM_H
#define GH_PROM_H

#include <apr_pools.h>

/* The bucket of v among n ascending upper bounds: the first i with
 * v <= bounds[i], or n (the +Inf bucket) when v exceeds them all. */
int gh_prom_bucket(const apr_int64_t *bounds, int n, apr_int64_t v);

/* value escaped for a label: backslash, double quote and newline become
 * \\, \" and \n, as the text exposition format requires. */
const char *gh_prom_label(apr_pool_t *p, const char *value);

/* 0 for 1xx ... 4 for 5xx; -1 for a status outside 100-599. */
int gh_prom_status_class(int status);

/* Folds s (and its terminating NUL) into a 64-bit FNV-1a hash h; start
 * from GH_PROM_HASH_SEED. */
#define GH_PROM_HASH_SEED APR_UINT64_C(0xcbf29ce484222325)
apr_uint64_t gh_prom_hash(apr_uint64_t h, const char *s);

#endif
