/* gh_crypto: gh_secret_equals, gh_hmac_sha256_hex, gh_random_bytes,
 * gh_base64_encode/decode, gh_sha256, gh_hmac_sha256 and gh_hex. */
#include <string.h>

#include <apr_strings.h>

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

/* Expects in to decode, in the given mode, to the len bytes of want, and
 * the result to be NUL-terminated. */
static void expect_decode(apr_pool_t *p, const char *in, int url, const char *want,
                          size_t len)
{
    unsigned char *out = NULL;
    apr_size_t outlen = 12345;

    if (!CHECK_INT_EQ(gh_base64_decode(p, in, strlen(in), url, &out, &outlen), 0)) {
        fprintf(stderr, "    input %s, url %d\n", in, url);
        return;
    }
    CHECK_MEM_EQ(out, outlen, want, len);
    CHECK(out != NULL && out[outlen] == '\0');
}

/* Expects in[0..len) to be refused in the given mode. */
static void expect_reject(apr_pool_t *p, const char *in, size_t len, int url)
{
    unsigned char *out = NULL;
    apr_size_t outlen = 0;

    if (!CHECK_INT_EQ(gh_base64_decode(p, in, len, url, &out, &outlen), -1)) {
        fprintf(stderr, "    input ");
        check_print_bytes(in, len);
        fprintf(stderr, " (url %d) was accepted\n", url);
    }
}

#define REJECT_STD(lit) expect_reject(p, (lit), sizeof(lit) - 1, 0)
#define REJECT_URL(lit) expect_reject(p, (lit), sizeof(lit) - 1, 1)
#define REJECT_STD_N(s) expect_reject(p, (s), strlen(s), 0)
#define REJECT_URL_N(s) expect_reject(p, (s), strlen(s), 1)

static void base64_vectors(apr_pool_t *p)
{
    /* RFC 4648 section 10 */
    static const struct {
        const char *plain, *std, *url;
    } v[] = {
        { "", "", "" },
        { "f", "Zg==", "Zg" },
        { "fo", "Zm8=", "Zm8" },
        { "foo", "Zm9v", "Zm9v" },
        { "foob", "Zm9vYg==", "Zm9vYg" },
        { "fooba", "Zm9vYmE=", "Zm9vYmE" },
        { "foobar", "Zm9vYmFy", "Zm9vYmFy" },
    };
    /* bytes that use the two alphabet-specific characters */
    static const unsigned char b62[] = { 0xfb, 0xef, 0xbe };     /* 62 62 62 62 */
    static const unsigned char b63[] = { 0xff, 0xff, 0xff };     /* 63 63 63 63 */
    static const unsigned char mix[] = { 0xfb, 0xff };           /* 62 63 60 */
    static const unsigned char zeros[] = { 0, 0, 0, 0 };

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t n = strlen(v[i].plain);
        CHECK_STR_EQ(gh_base64_encode(p, (const unsigned char *)v[i].plain, n, 0), v[i].std);
        CHECK_STR_EQ(gh_base64_encode(p, (const unsigned char *)v[i].plain, n, 1), v[i].url);
        expect_decode(p, v[i].std, 0, v[i].plain, n);
        expect_decode(p, v[i].url, 1, v[i].plain, n);
    }

    CHECK_STR_EQ(gh_base64_encode(p, b62, sizeof(b62), 0), "++++");
    CHECK_STR_EQ(gh_base64_encode(p, b62, sizeof(b62), 1), "----");
    CHECK_STR_EQ(gh_base64_encode(p, b63, sizeof(b63), 0), "////");
    CHECK_STR_EQ(gh_base64_encode(p, b63, sizeof(b63), 1), "____");
    CHECK_STR_EQ(gh_base64_encode(p, mix, sizeof(mix), 0), "+/8=");
    CHECK_STR_EQ(gh_base64_encode(p, mix, sizeof(mix), 1), "-_8");
    expect_decode(p, "++++", 0, (const char *)b62, sizeof(b62));
    expect_decode(p, "----", 1, (const char *)b62, sizeof(b62));
    expect_decode(p, "////", 0, (const char *)b63, sizeof(b63));
    expect_decode(p, "____", 1, (const char *)b63, sizeof(b63));
    expect_decode(p, "+/8=", 0, (const char *)mix, sizeof(mix));
    expect_decode(p, "-_8", 1, (const char *)mix, sizeof(mix));

    /* NUL bytes are data, in and out */
    CHECK_STR_EQ(gh_base64_encode(p, zeros, sizeof(zeros), 0), "AAAAAA==");
    CHECK_STR_EQ(gh_base64_encode(p, zeros, sizeof(zeros), 1), "AAAAAA");
    expect_decode(p, "AAAAAA==", 0, (const char *)zeros, sizeof(zeros));
    expect_decode(p, "AAAAAA", 1, (const char *)zeros, sizeof(zeros));

    /* len is honoured: what follows it is not read */
    {
        unsigned char *out = NULL;
        apr_size_t outlen = 0;
        CHECK_INT_EQ(gh_base64_decode(p, "Zm9vYmFy", 4, 0, &out, &outlen), 0);
        CHECK_MEM_EQ(out, outlen, "foo", 3);
        CHECK_INT_EQ(gh_base64_decode(p, "Zm9vYgAA", 6, 1, &out, &outlen), 0);
        CHECK_MEM_EQ(out, outlen, "foob", 4);
        CHECK(out[outlen] == '\0');
        CHECK_INT_EQ(gh_base64_decode(p, "Zg==!!", 4, 0, &out, &outlen), 0);
        CHECK_MEM_EQ(out, outlen, "f", 1);
        CHECK_INT_EQ(gh_base64_decode(p, "Zm9v", 0, 1, &out, &outlen), 0);
        CHECK_INT_EQ(outlen, 0);
        CHECK(out != NULL && out[0] == '\0');
    }
}

static void base64_reject(apr_pool_t *p)
{
    /* url: no '+', '/', '=' or whitespace */
    REJECT_URL("Zm+v");
    REJECT_URL("Zm/v");
    REJECT_URL("+/8");
    REJECT_URL("Zg==");
    REJECT_URL("Zm8=");
    REJECT_URL("Zg=");
    REJECT_URL("=Zg");
    REJECT_URL("Zm9v ");
    REJECT_URL(" Zm9v");
    REJECT_URL("Zm 9v");
    REJECT_URL("Zm9v\n");
    REJECT_URL("Zm9v\r\n");
    REJECT_URL("Zm\t9v");
    REJECT_URL("Zm9v\0");
    REJECT_URL("Zm.v");
    REJECT_URL("Zm9v\xc3\xa9");
    /* url: a length of 4k+1 is never an encoding */
    REJECT_URL("Z");
    REJECT_URL("Zm9vY");
    REJECT_URL("Zm9vYmFyZ");

    /* standard: no '-' or '_' */
    REJECT_STD("Zm-v");
    REJECT_STD("Zm_v");
    REJECT_STD("-_8=");
    /* standard: padding is required, and only 1 or 2 '=' at the end */
    REJECT_STD("Zg");
    REJECT_STD("Zm8");
    REJECT_STD("Zm9vYg");
    REJECT_STD("Zm9vYmE");
    REJECT_STD("Zg=");
    REJECT_STD("Zg===");
    REJECT_STD("=Zg=");
    REJECT_STD("Z===");
    REJECT_STD("====");
    REJECT_STD("Zm9vY===");
    REJECT_STD("Zg==Zg==");
    REJECT_STD("Z=g=");
    /* standard: length 4k+1, and whitespace */
    REJECT_STD("Z");
    REJECT_STD("Zm9vY");
    REJECT_STD("Zm9v\n");
    REJECT_STD("Zm9v\nZm9v");
    REJECT_STD(" Zm9v");
    REJECT_STD("Zm 9");
    REJECT_STD("Zm9v\0\0\0\0");
}

/* Only the one canonical text of some bytes decodes: the unused low bits
 * of the last character are zero, the padding is exactly what the length
 * needs, and nothing else surrounds it. */
static void base64_canonical(apr_pool_t *p)
{
    /* "f" is 0x66: "Zg" holds 01100110 0000; "Zh".."Zv" set unused bits */
    static const char *const one_byte[] = { "Zh", "Zi", "Zj", "Zk", "Zo", "Zp", "Zv" };
    char std[8];

    for (size_t i = 0; i < sizeof(one_byte) / sizeof(one_byte[0]); i++) {
        REJECT_URL_N(one_byte[i]);
        apr_snprintf(std, sizeof(std), "%s==", one_byte[i]);
        REJECT_STD_N(std);
    }
    /* "fo": "Zm8" holds 2 unused bits; "Zm9" sets one */
    REJECT_URL("Zm9");
    REJECT_STD("Zm9=");
    REJECT_URL("Zm-");
    REJECT_STD("Zm/=");
    /* the canonical forms of the same bytes decode */
    expect_decode(p, "Zg", 1, "f", 1);
    expect_decode(p, "Zg==", 0, "f", 1);
    expect_decode(p, "Zm8", 1, "fo", 2);
    expect_decode(p, "Zm8=", 0, "fo", 2);
    /* the last of many quanta too: 32 bytes of 0xff are "..._w" / "...\/w=" */
    {
        unsigned char ff[32];
        const char *url, *pad;
        memset(ff, 0xff, sizeof(ff));
        url = gh_base64_encode(p, ff, sizeof(ff), 1);
        pad = gh_base64_encode(p, ff, sizeof(ff), 0);
        CHECK_STR_EQ(url + 40, "__8");
        CHECK_STR_EQ(pad + 40, "//8=");
        expect_reject(p, apr_pstrcat(p, apr_pstrndup(p, url, 42), "9", NULL), 43, 1);
        expect_reject(p, apr_pstrcat(p, apr_pstrndup(p, pad, 42), "9=", NULL), 44, 0);
    }
    /* padding where none is needed, too much of it, or inside */
    REJECT_STD("Zm9v====");
    REJECT_STD("Zm9v=");
    REJECT_STD("Zg==\n");
    REJECT_STD("Zg==\0");
    REJECT_URL("Zg\n");
    REJECT_URL("Zg\r");
    REJECT_URL("\tZg");
    /* the other alphabet's characters, even where the bits agree */
    REJECT_STD("-_8=");
    REJECT_URL("+/8");
    REJECT_STD("+_8=");
    REJECT_URL("-/8");
}

/* Random bytes of every length 0..64 through encode and decode in both
 * modes. */
static void base64_round_trip(apr_pool_t *p)
{
    unsigned char data[64];

    for (size_t n = 0; n <= sizeof(data); n++) {
        CHECK_INT_EQ(gh_random_bytes(data, n), 0);
        for (int url = 0; url <= 1; url++) {
            const char *enc = gh_base64_encode(p, data, n, url);
            size_t want = url ? (4 * n + 2) / 3 : 4 * ((n + 2) / 3);
            unsigned char *dec = NULL;
            apr_size_t declen = 0;

            if (!CHECK_NOT_NULL(enc)) {
                continue;
            }
            if (!CHECK_INT_EQ(strlen(enc), want)) {
                fprintf(stderr, "    n %zu, url %d\n", n, url);
            }
            if (url) {
                CHECK(strcspn(enc, "+/=") == strlen(enc));
            }
            else {
                CHECK(strcspn(enc, "-_") == strlen(enc));
            }
            if (CHECK_INT_EQ(gh_base64_decode(p, enc, strlen(enc), url, &dec, &declen), 0)) {
                CHECK_MEM_EQ(dec, declen, data, n);
                CHECK(dec[declen] == '\0');
            }
            /* the other mode refuses it unless it is valid there too: no
             * '+', '/', '=', '-' or '_', and a length of 4k */
            {
                int portable = strcspn(enc, "+/=-_") == strlen(enc) && strlen(enc) % 4 == 0;
                CHECK_INT_EQ(gh_base64_decode(p, enc, strlen(enc), !url, &dec, &declen),
                             portable ? 0 : -1);
            }
        }
    }
}

static void sha256_and_hex(apr_pool_t *p)
{
    static const unsigned char abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
        0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
        0xf2, 0x00, 0x15, 0xad,
    };
    /* RFC 4231 test case 2 */
    static const unsigned char jefe[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
        0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
        0x64, 0xec, 0x38, 0x43,
    };
    static const unsigned char bytes[] = { 0x00, 0x01, 0x0f, 0x10, 0x7f, 0x80, 0xab, 0xff };
    unsigned char md[32], mac[32];

    memset(md, 0, sizeof(md));
    CHECK_INT_EQ(gh_sha256("abc", 3, md), 0);
    CHECK_MEM_EQ(md, sizeof(md), abc, sizeof(abc));
    CHECK_STR_EQ(gh_hex(p, md, sizeof(md)),
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_INT_EQ(gh_sha256("", 0, md), 0);
    CHECK_STR_EQ(gh_hex(p, md, sizeof(md)),
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* FIPS 180-2 two-block message */
    CHECK_INT_EQ(gh_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, md), 0);
    CHECK_STR_EQ(gh_hex(p, md, sizeof(md)),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    memset(mac, 0, sizeof(mac));
    CHECK_INT_EQ(gh_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac), 0);
    CHECK_MEM_EQ(mac, sizeof(mac), jefe, sizeof(jefe));
    CHECK_INT_EQ(gh_hmac_sha256("Jefe", 3, "what do ya want for nothing?", 28, mac), 0);
    CHECK(memcmp(mac, jefe, sizeof(jefe)) != 0);

    CHECK_STR_EQ(gh_hex(p, bytes, sizeof(bytes)), "00010f107f80abff");
    CHECK_STR_EQ(gh_hex(p, bytes, 1), "00");
    CHECK_STR_EQ(gh_hex(p, bytes, 0), "");
}

static void websocket_accept(apr_pool_t *p)
{
    /* the example of RFC 6455 §1.3 */
    CHECK_STR_EQ(gh_websocket_accept(p, "dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

void test_crypto(apr_pool_t *p)
{
    websocket_accept(p);
    secret_equals(p);
    hmac(p);
    random_bytes();
    base64_vectors(p);
    base64_reject(p);
    base64_canonical(p);
    base64_round_trip(p);
    sha256_and_hex(p);
}
