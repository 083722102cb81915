/* Constant-time secret comparison, HMAC and randomness over OpenSSL. */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <apr_strings.h>

#include "gh_crypto.h"

/* Fetched once: OpenSSL 3 otherwise looks the algorithm up on every use. */
static EVP_MD *sha256;

int gh_crypto_init(void)
{
    if (sha256 == NULL) {
        sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    }
    return sha256 ? 0 : -1;
}

int gh_secret_equals(const char *a, const char *b)
{
    unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
    unsigned int la = 0, lb = 0;

    if (a == NULL || b == NULL || gh_crypto_init() != 0) {
        return 0;
    }
    if (!EVP_Digest(a, strlen(a), da, &la, sha256, NULL)
        || !EVP_Digest(b, strlen(b), db, &lb, sha256, NULL)
        || la != lb) {
        return 0;
    }
    return CRYPTO_memcmp(da, db, la) == 0;
}

const char *gh_hmac_sha256_hex(apr_pool_t *p, const void *key, apr_size_t keylen,
                               const void *msg, apr_size_t msglen)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char *hex;

    if (keylen > INT_MAX || gh_crypto_init() != 0
        || HMAC(sha256, key, (int)keylen, msg, msglen, mac, &maclen) == NULL) {
        return NULL;
    }
    hex = apr_palloc(p, 2 * maclen + 1);
    for (unsigned int i = 0; i < maclen; i++) {
        static const char digits[] = "0123456789abcdef";
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 0x0f];
    }
    hex[2 * maclen] = '\0';
    return hex;
}

int gh_random_bytes(unsigned char *buf, apr_size_t n)
{
    return (n <= INT_MAX && RAND_bytes(buf, (int)n) == 1) ? 0 : -1;
}
