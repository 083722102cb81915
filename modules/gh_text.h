/* Text checks on untrusted input. Pure: needs only APR. */
#ifndef GH_TEXT_H
#define GH_TEXT_H

#include <apr.h>
#include <apr_pools.h>
#include <stddef.h>

/* Non-zero when s[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
int gh_utf8_valid(const char *s, size_t len);

/* The number of characters (code points) of a valid UTF-8 string. */
apr_size_t gh_utf8_length(const char *s);

/* Non-zero when s has a control character: C0, DEL or C1 (U+0080 to
 * U+009F). s must be valid UTF-8. */
int gh_has_control(const char *s);

/* As gh_has_control, for multi-line text: tab, LF and CR are allowed. */
int gh_has_control_text(const char *s);

/* Parses a plain decimal (digits only, no sign or spaces) that fits a
 * signed 64-bit integer. Returns 0 on success. */
int gh_parse_int64_dec(const char *s, apr_int64_t *out);

/* Formats values as a PostgreSQL array literal, {"a","b",NULL}, to bind as
 * one parameter: every element is double-quoted with '"' and '\\'
 * escaped, and a NULL pointer is the SQL NULL. */
const char *gh_pg_array(apr_pool_t *p, const char *const *values, int n);

#endif
