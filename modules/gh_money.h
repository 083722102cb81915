/* Pure rules of the money areas (APR, json-c and OpenSSL only, so they
 * are unit-tested and fuzzed directly): references, names, and amounts as
 * outside services write them. */
#ifndef GH_MONEY_H
#define GH_MONEY_H

#include <apr_pools.h>
#include <json-c/json.h>

/* A fresh unguessable reference of 20 random bytes: 32 characters of
 * upper-case base32, or 40 of hex; NULL if the random source fails. */
const char *gh_money_reference(apr_pool_t *p, int base32);

/* Whether s is 1 to max characters of [A-Za-z0-9_-], Toss's rule for
 * order ids and payment keys (so they go into URLs unescaped). */
int gh_money_token(const char *s, apr_size_t max);

/* A username: 3 to 32 of [A-Za-z0-9_.-]. */
int gh_money_username_ok(const char *s);

/* A depositor's name as banks print it: Hangul syllables, ASCII letters
 * and digits, single spaces inside; any bytes may be given. Length is
 * checked by the caller. */
int gh_money_billing_name_ok(const char *s);

/* Won as Payaction writes them: "1000000" or "1,000,000" (groups of
 * three). 0 with *out set, or -1. */
int gh_money_parse_won(const char *s, apr_int64_t *out);

/* A JSON number for an int64 column rendered as text by PostgreSQL
 * (NULL for SQL NULL). */
json_object *gh_money_int(const char *text);

#endif
