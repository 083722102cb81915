/* Parsing of JWKS documents into verification keys: everything in them
 * is untrusted text from the network, so a key that is anything but
 * plainly an RSA signing key for RS256 is left out. */
#include <string.h>

#include <apr_strings.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "gh_json.h"
#include "gh_jwks_doc.h"
#include "gh_jwt.h"

#define KID_MAX 256

/* Marks a kid whose keys disagree; never a real key. */
static char ambiguous;

static apr_status_t free_key(void *pkey)
{
    EVP_PKEY_free(pkey);
    return APR_SUCCESS;
}

/* Whether obj's member name is absent, or the string want. */
static int absent_or(json_object *obj, const char *name, const char *want)
{
    const char *s;

    if (!json_object_object_get_ex(obj, name, NULL)) {
        return 1;
    }
    return (s = gh_json_str(obj, name)) != NULL && strcmp(s, want) == 0;
}

static int may_verify(json_object *k)
{
    json_object *ops;

    if (!json_object_object_get_ex(k, "key_ops", &ops)) {
        return 1;
    }
    for (size_t i = 0; json_object_is_type(ops, json_type_array)
                       && i < json_object_array_length(ops); i++) {
        const char *op = gh_json_str_of(json_object_array_get_idx(ops, i));
        if (op && strcmp(op, "verify") == 0) {
            return 1;
        }
    }
    return 0;
}

/* The key k describes, or NULL when it is not usable (see the header). */
static EVP_PKEY *usable_key(json_object *k, const char **kid)
{
    const char *kty = gh_json_str(k, "kty");

    *kid = gh_json_str(k, "kid");
    if (kty == NULL || strcmp(kty, "RSA") != 0 || *kid == NULL || **kid == '\0'
        || strlen(*kid) > KID_MAX || !absent_or(k, "use", "sig")
        || !absent_or(k, "alg", "RS256") || !may_verify(k)) {
        return NULL;
    }
    return gh_jwk_rsa(gh_json_str(k, "n"), gh_json_str(k, "e"));
}

apr_hash_t *gh_jwks_doc_parse(apr_pool_t *p, const char *body, apr_size_t len)
{
    apr_hash_t *keys = apr_hash_make(p);
    json_object *doc, *list;
    const char *err;

    if (gh_json_parse(p, body, len, &doc, &err) != 0
        || !json_object_is_type(doc, json_type_object)
        || !json_object_object_get_ex(doc, "keys", &list)
        || !json_object_is_type(list, json_type_array)) {
        return NULL;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *k = json_object_array_get_idx(list, i);
        const char *kid;
        EVP_PKEY *pkey, *seen;

        if (!json_object_is_type(k, json_type_object) || (pkey = usable_key(k, &kid)) == NULL) {
            continue;
        }
        apr_pool_cleanup_register(p, pkey, free_key, apr_pool_cleanup_null);
        seen = apr_hash_get(keys, kid, APR_HASH_KEY_STRING);
        if (seen == NULL) {
            apr_hash_set(keys, apr_pstrdup(p, kid), APR_HASH_KEY_STRING, pkey);
        }
        else if (seen != (EVP_PKEY *)&ambiguous && EVP_PKEY_eq(seen, pkey) != 1) {
            apr_hash_set(keys, kid, APR_HASH_KEY_STRING, &ambiguous);
        }
    }
    for (apr_hash_index_t *hi = apr_hash_first(p, keys); hi; hi = apr_hash_next(hi)) {
        if (apr_hash_this_val(hi) == &ambiguous) {
            apr_hash_set(keys, apr_hash_this_key(hi), APR_HASH_KEY_STRING, NULL);
        }
    }
    return apr_hash_count(keys) ? keys : NULL;
}
