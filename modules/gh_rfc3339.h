/* RFC 3339 date-times (its section 5.6 grammar) from outside input, read
 * into a point in time, and written back as canonical UTC text. Pure:
 * needs only APR. */
#ifndef GH_RFC3339_H
#define GH_RFC3339_H

#include <apr_pools.h>
#include <apr_time.h>

/* Parses s[0..len): YYYY-MM-DD "T" HH:MM:SS[.fraction] then "Z" or
 * +HH:MM / -HH:MM ("t" and "z" too, as RFC 3339 allows). Every field is
 * range-checked (days of the month with leap years; second 60, a leap
 * second, is the first second of the next minute). A fraction keeps its
 * first 6 digits. Times before 1970-01-01T00:00:00Z are refused. Returns
 * 0 with *out set, or -1. */
int gh_rfc3339_parse(const char *s, apr_size_t len, apr_time_t *out);

/* t (at or after 1970) as "YYYY-MM-DDTHH:MM:SS.ffffffZ", in p. */
const char *gh_rfc3339_format(apr_pool_t *p, apr_time_t t);

#endif
