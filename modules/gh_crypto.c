/* Constant-time secret comparison, HMAC and randomness over OpenSSL;
 * base64 over APR (apr_encode.h). */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <apr_encode.h>
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

void gh_crypto_cleanup(void)
{
    EVP_MD_free(sha256);
    sha256 = NULL;
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

int gh_hmac_sha256(const void *key, apr_size_t keylen, const void *msg, apr_size_t msglen,
                   unsigned char mac[32])
{
    unsigned int maclen = 0;

    if (keylen > INT_MAX || gh_crypto_init() != 0
        || HMAC(sha256, key, (int)keylen, msg, msglen, mac, &maclen) == NULL || maclen != 32) {
        return -1;
    }
    return 0;
}

int gh_sha256(const void *data, apr_size_t n, unsigned char md[32])
{
    unsigned int len = 0;

    if (gh_crypto_init() != 0 || !EVP_Digest(data, n, md, &len, sha256, NULL) || len != 32) {
        return -1;
    }
    return 0;
}

const char *gh_hex(apr_pool_t *p, const unsigned char *data, apr_size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = apr_palloc(p, 2 * n + 1);

    for (apr_size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[data[i] >> 4];
        hex[2 * i + 1] = digits[data[i] & 0x0f];
    }
    hex[2 * n] = '\0';
    return hex;
}

const char *gh_hmac_sha256_hex(apr_pool_t *p, const void *key, apr_size_t keylen,
                               const void *msg, apr_size_t msglen)
{
    unsigned char mac[32];

    return gh_hmac_sha256(key, keylen, msg, msglen, mac) == 0 ? gh_hex(p, mac, sizeof(mac))
                                                              : NULL;
}

/* RFC 4648 §4 with padding, or RFC 7515's base64url without */
#define BASE64_FLAGS(url) ((url) ? APR_ENCODE_BASE64URL : APR_ENCODE_NONE)

const char *gh_base64_encode(apr_pool_t *p, const unsigned char *data, apr_size_t n, int url)
{
    const char *out = n > 0 ? apr_pencode_base64_binary(p, data, (apr_ssize_t)n,
                                                        BASE64_FLAGS(url), NULL)
                            : "";

    return out ? out : "";
}

int gh_base64_decode(apr_pool_t *p, const char *in, apr_size_t len, int url,
                     unsigned char **out, apr_size_t *outlen)
{
    int flags = BASE64_FLAGS(url);
    apr_size_t need = 0, n = 0;
    char *again;

    if (len > INT_MAX / 2) {
        return -1;
    }
    /* the re-encoding has at most len + 3 characters (padding) and a NUL;
     * made first, so that nothing lies in p just past the bytes returned */
    again = apr_palloc(p, len + 4);
    /* at most 3 bytes for each 4 characters, 2 for what is left, and a NUL */
    *out = apr_palloc(p, len / 4 * 3 + 3);
    if (apr_decode_base64_binary(*out, in, (apr_ssize_t)len, flags, outlen) != APR_SUCCESS
        || apr_encode_base64_binary(NULL, NULL, (apr_ssize_t)*outlen, flags, &need) != APR_SUCCESS
        || need > len + 4
        || apr_encode_base64_binary(again, *out, (apr_ssize_t)*outlen, flags, &n) != APR_SUCCESS) {
        return -1;
    }
    (*out)[*outlen] = '\0';
    /* APR takes either alphabet, padding or none, and ignores the unused
     * bits of the last character: only the one canonical text of the
     * bytes is taken, so that nothing has two spellings */
    return n == len && memcmp(again, in, len) == 0 ? 0 : -1;
}

int gh_random_bytes(unsigned char *buf, apr_size_t n)
{
    return (n <= INT_MAX && RAND_bytes(buf, (int)n) == 1) ? 0 : -1;
}

int gh_aes256gcm_open(apr_pool_t *p, const unsigned char key[32], const void *aad,
                      apr_size_t aadlen, const unsigned char *in, apr_size_t inlen,
                      unsigned char **out, apr_size_t *outlen)
{
    enum { IV = 12, TAG = 16 };
    EVP_CIPHER_CTX *ctx;
    int n = 0, fin = 0, ok;

    if (inlen < IV + TAG || inlen - IV - TAG > INT_MAX || aadlen > INT_MAX
        || (ctx = EVP_CIPHER_CTX_new()) == NULL) {
        return -1;
    }
    *out = apr_palloc(p, inlen - IV - TAG + 1);
    ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1
      && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV, NULL) == 1
      && EVP_DecryptInit_ex(ctx, NULL, NULL, key, in) == 1
      && (aadlen == 0 || EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) == 1)
      && EVP_DecryptUpdate(ctx, *out, &n, in + IV, (int)(inlen - IV - TAG)) == 1
      && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG,
                             (void *)(in + inlen - TAG)) == 1
      && EVP_DecryptFinal_ex(ctx, *out + n, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        return -1;
    }
    *outlen = (apr_size_t)(n + fin);
    (*out)[*outlen] = '\0';
    return 0;
}

const char *gh_websocket_accept(apr_pool_t *p, const char *key)
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";   /* RFC 6455 */
    const char *text = apr_pstrcat(p, key, guid, NULL);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    /* SHA-1 only because RFC 6455 says so: a handshake check, not security */
    if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha1(), NULL) || len != 20) {
        return NULL;
    }
    return gh_base64_encode(p, md, len, 0);
}
