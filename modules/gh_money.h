/* Input rules shared by the money areas: amounts, idempotency keys, order
 * numbers, and the points ledger's source references. */
#ifndef GH_MONEY_H
#define GH_MONEY_H

#include "httpd.h"
#include <json-c/json.h>

#include "gh_config.h"

/* obj's member name as a whole number of won within range: a JSON integer,
 * never a string, float or boolean. OK, or 400 naming the bounds. */
int gh_money_amount(request_rec *r, json_object *obj, const char *name, gh_range_t range,
                    apr_int64_t *out);

/* The Idempotency-Key request header: *key NULL when absent; otherwise 1
 * to 300 printable ASCII characters (Toss's own limit), else 400. */
int gh_money_idempotency_key(request_rec *r, const char **key);

/* A fresh unguessable reference: 20 random bytes in the given alphabet
 * (base32 upper-case, or hex), NULL if the random source fails. */
const char *gh_money_reference(apr_pool_t *p, int base32);

/* A JSON number for an int64 column rendered as text by PostgreSQL. */
json_object *gh_money_int(const char *text);

#endif
