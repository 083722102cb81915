/* gh_crypto: gh_secret_equals, gh_hmac_sha256_hex, gh_random_bytes. */
#include <string.h>

#include "check.h"
#include "suites.h"
#include "gh_crypto.h"

static void secret_equals(apr_pool_t *p)
{
    char *long_a, *long_b;

    CHECK(gh_secret_equals("abc", "abc") != 0);
    CHECK(gh_secret_equals("s3cr3t-\xED\x95\x9C", "s3cr3t-\xED\x95\x9C") != 0);
    CHECK(gh_secret_equals("", "") != 0);
    CHECK_INT_EQ(gh_secret_equals("abc", "abd"), 0);
    CHECK_INT_EQ(gh_secret_equals("abc", "Abc"), 0);
    CHECK_INT_EQ(gh_secret_equals("abc", "abcd"), 0);     /* prefix */
    CHECK_INT_EQ(gh_secret_equals("abcd", "abc"), 0);
    CHECK_INT_EQ(gh_secret_equals("", "a"), 0);
    CHECK_INT_EQ(gh_secret_equals("a", ""), 0);
    CHECK_INT_EQ(gh_secret_equals("abc", "abc "), 0);
    CHECK_INT_EQ(gh_secret_equals(NULL, "a"), 0);
    CHECK_INT_EQ(gh_secret_equals("a", NULL), 0);
    CHECK_INT_EQ(gh_secret_equals(NULL, ""), 0);
    CHECK_INT_EQ(gh_secret_equals(NULL, NULL), 0);

    /* long strings, equal and differing only in the last byte */
    long_a = apr_palloc(p, 4097);
    long_b = apr_palloc(p, 4097);
    memset(long_a, 'k', 4096);
    memset(long_b, 'k', 4096);
    long_a[4096] = long_b[4096] = '\0';
    CHECK(gh_secret_equals(long_a, long_b) != 0);
    long_b[4095] = 'K';
    CHECK_INT_EQ(gh_secret_equals(long_a, long_b), 0);
    long_b[4095] = '\0';
    CHECK_INT_EQ(gh_secret_equals(long_a, long_b), 0);
}

static void hmac(apr_pool_t *p)
{
    unsigned char k20[20], k131[131], k25[25], d50[50];
    const char *h;

    /* RFC 4231 test case 1 */
    memset(k20, 0x0b, sizeof(k20));
    CHECK_STR_EQ(gh_hmac_sha256_hex(p, k20, sizeof(k20), "Hi There", 8),
                 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* RFC 4231 test case 2 */
    h = gh_hmac_sha256_hex(p, "Jefe", 4, "what do ya want for nothing?", 28);
    CHECK_STR_EQ(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK_INT_EQ(h ? strlen(h) : 0, 64);
    /* RFC 4231 test case 3 */
    memset(k20, 0xaa, sizeof(k20));
    memset(d50, 0xdd, sizeof(d50));
    CHECK_STR_EQ(gh_hmac_sha256_hex(p, k20, sizeof(k20), d50, sizeof(d50)),
                 "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    /* RFC 4231 test case 4 */
    for (int i = 0; i < 25; i++) {
        k25[i] = (unsigned char)(i + 1);
    }
    memset(d50, 0xcd, sizeof(d50));
    CHECK_STR_EQ(gh_hmac_sha256_hex(p, k25, sizeof(k25), d50, sizeof(d50)),
                 "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    /* RFC 4231 test cases 6 and 7: keys longer than the block size */
    memset(k131, 0xaa, sizeof(k131));
    CHECK_STR_EQ(gh_hmac_sha256_hex(p, k131, sizeof(k131),
                                    "Test Using Larger Than Block-Size Key - Hash Key First", 54),
                 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    {
        static const char m7[] = "This is a test using a larger than block-size key and a "
                                 "larger than block-size data. The key needs to be hashed "
                                 "before being used by the HMAC algorithm.";
        CHECK_STR_EQ(gh_hmac_sha256_hex(p, k131, sizeof(k131), m7, sizeof(m7) - 1),
                     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
    }

    /* empty key and message: HMAC-SHA256("", "") */
    CHECK_STR_EQ(gh_hmac_sha256_hex(p, "", 0, "", 0),
                 "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    /* lengths are honoured: bytes after keylen/msglen do not count, NULs do */
    CHECK_STR_EQ(gh_hmac_sha256_hex(p, "JefeXX", 4, "what do ya want for nothing?!!", 28),
                 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    {
        const char *a = gh_hmac_sha256_hex(p, "k\0x", 3, "m", 1);
        const char *b = gh_hmac_sha256_hex(p, "k", 1, "m", 1);
        CHECK(a != NULL && b != NULL && strcmp(a, b) != 0);
    }
    /* lower-case hex only */
    h = gh_hmac_sha256_hex(p, "key", 3, "The quick brown fox jumps over the lazy dog", 43);
    CHECK_STR_EQ(h, "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    CHECK(h != NULL && strspn(h, "0123456789abcdef") == 64);
}

static void random_bytes(void)
{
    unsigned char a[32], b[32], big[1024];
    int distinct = 0;

    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    CHECK_INT_EQ(gh_random_bytes(a, sizeof(a)), 0);
    CHECK_INT_EQ(gh_random_bytes(b, sizeof(b)), 0);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    {
        static const unsigned char zero[32];
        CHECK(memcmp(a, zero, sizeof(a)) != 0);
    }
    CHECK_INT_EQ(gh_random_bytes(a, 0), 0);

    /* 1 KiB of CSPRNG output is not one repeated byte */
    CHECK_INT_EQ(gh_random_bytes(big, sizeof(big)), 0);
    for (size_t i = 1; i < sizeof(big); i++) {
        distinct |= big[i] != big[0];
    }
    CHECK(distinct);
}

void test_crypto(apr_pool_t *p)
{
    secret_equals(p);
    hmac(p);
    random_bytes();
}
