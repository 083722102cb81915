/* Shared input rules of the money areas. */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "gh_crypto.h"
#include "gh_http.h"
#include "gh_money.h"

#define IDEMPOTENCY_KEY_MAX 300
#define REFERENCE_BYTES     20

int gh_money_amount(request_rec *r, json_object *obj, const char *name, gh_range_t range,
                    apr_int64_t *out)
{
    json_object *v;

    /* json-c also types "1e3" as a double and true as a boolean: only an
     * integer token is an amount */
    if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_int)
        || (*out = json_object_get_int64(v)) < range.min || *out > range.max) {
        return gh_fail(r, HTTP_BAD_REQUEST, "invalid_request",
                       apr_psprintf(r->pool, "%s must be a whole number from %" APR_INT64_T_FMT
                                    " to %" APR_INT64_T_FMT ".", name, range.min, range.max));
    }
    return OK;
}

int gh_money_idempotency_key(request_rec *r, const char **key)
{
    const char *k = apr_table_get(r->headers_in, "Idempotency-Key");
    apr_size_t n;

    *key = k;
    if (k == NULL) {
        return OK;
    }
    n = strlen(k);
    for (apr_size_t i = 0; i < n; i++) {
        if (k[i] < 0x21 || k[i] > 0x7e) {
            n = 0;
            break;
        }
    }
    if (n == 0 || n > IDEMPOTENCY_KEY_MAX) {
        return gh_fail(r, HTTP_BAD_REQUEST, "invalid_request",
                       "Idempotency-Key must be 1 to 300 printable ASCII characters.");
    }
    return OK;
}

const char *gh_money_reference(apr_pool_t *p, int base32)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char raw[REFERENCE_BYTES];
    char *out;

    if (gh_random_bytes(raw, sizeof(raw)) != 0) {
        return NULL;
    }
    if (!base32) {
        return gh_hex(p, raw, sizeof(raw));
    }
    /* 160 bits in 32 characters of 5 bits each */
    out = apr_palloc(p, REFERENCE_BYTES * 8 / 5 + 1);
    for (int i = 0, bit = 0; i < REFERENCE_BYTES * 8 / 5; i++, bit += 5) {
        int byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)raw[byte] << 8 | (byte + 1 < REFERENCE_BYTES ? raw[byte + 1] : 0u));
        out[i] = alphabet[(v >> (11 - shift)) & 31];
    }
    out[REFERENCE_BYTES * 8 / 5] = '\0';
    return out;
}

json_object *gh_money_int(const char *text)
{
    return text ? json_object_new_int64(apr_atoi64(text)) : NULL;
}
