/* Amounts of bank deposits as Payaction's match webhook writes them
 * (spec §3). What a client asks to deposit is a JSON integer between the
 * configured bounds (gh_json_int). Pure: needs only APR and json-c, so it
 * is unit-tested and fuzzed. */
#ifndef GH_PAYACTION_AMOUNT_H
#define GH_PAYACTION_AMOUNT_H

#include <apr_pools.h>
#include <json-c/json.h>

#define GH_PAYACTION_WON_MAX APR_INT64_C(999999999999999)   /* 15 digits */

typedef enum {
    GH_PAYACTION_AMOUNT_NONE,    /* no "amount", or null: nothing to compare */
    GH_PAYACTION_AMOUNT_WON,     /* *won holds it */
    GH_PAYACTION_AMOUNT_BAD      /* there, but not an amount */
} gh_payaction_amount_e;

/* The "amount" of a webhook body: a JSON integer, or a string of digits,
 * plain ("1000000") or in groups of three ("1,000,000"); from 0 to
 * GH_PAYACTION_WON_MAX either way. */
gh_payaction_amount_e gh_payaction_amount_of(json_object *body, apr_int64_t *won);

#endif
