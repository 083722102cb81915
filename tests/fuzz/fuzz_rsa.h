/* Public RSA keys for the fuzz targets, as a JWK's base64url n (e is
 * RSA_E for each): the private halves were not kept. */
#ifndef GH_FUZZ_RSA_H
#define GH_FUZZ_RSA_H

/* 2048 bits; RS256_TOKEN (kid "r1") was signed with its private half */
static const char RSA_N[] =
    "72DUXBI6K3Qi900CCqn0V5E7e7NzTDaJeh5dMQwlQu0Ei4LgnZ3knlILDsgKgLjo"
    "o2HL_WTmJTJ4TetI7wekk6jkgIsgFMtlMPel0h1W7k4254JCv8iN0-3SzCrNOiWP"
    "MMzoU0xQNum4E_scLywb_EFUJ5MHURR0ydlCbUeduRIhe0siX4hbfIBAlT2oZ4U2"
    "tTFpSaZDc9dpD3-4XMiXX_8u3EoR-bx3KgFEfVpV-0OJnCjIWAfdQ1o3u22aDNtr"
    "dUguo1DBGUOeQrUnxOHQq3S7wfDUzjZBiKvGX8hNo8e4hb6grM6syMh7jZZjL4jy"
    "tnb7oIVGEvEV1o5UCp0mYw";
/* another 2048-bit modulus */
static const char RSA_N2[] =
    "4xgmESuJXLqm_2c8Y7K4bF0E4tzBRnS2JufQfoqWKFmocdyAnB39jT948Og9JL43"
    "JjPEH1PT0FOy6MBdGsaiSt0YfQnPwH4_BpsI4l298mX4oLfW2PcqPWG0vfid32Rh"
    "U5ol5r4uro5h9FNIxvf6ygXw92lUq8TpGaGwDhJRwXjC6UG4zptwsq5XAGYk94wZ"
    "bs75c4bLIYTCw9jVSDxAGHZ3Ej8r38x3WMdcH8B2X9wjGHSXKD9PE3jnPlyYm4yJ"
    "L7_sTuCKAp0gSATo5_sgWWIu8AtwuZC9JGjN8dioiHNvRnSYATBTUha11ss1qk1m"
    "v8AXS6kKqLq3E4lhBR-vhw";
/* 1024 bits: too short for RS256 (RFC 7518 §3.3) */
static const char RSA_N_SHORT[] =
    "z-oGRgnhnN0zLA835WU12rl3JmhPqtUnyrUKnFSlNkxf911dQ8XZnMowLLRxfGfW"
    "GnNWcQcr_Cq-5PWk1wlzspX8IpMKKvrH480CGb75ZA8xihlTEPX3ebOE5miOIVZy"
    "pSyThwMgWvuPF-0ao9RSbH3H2583SzMLb7e5x-ISyAk";
static const char RSA_E[] = "AQAB";

static const char RS256_TOKEN[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6InIxIiwidHlwIjoiSldUIn0.eyJpc3MiOiJo"
    "dHRwczovL2lzc3Vlci5leGFtcGxlL2EiLCJhdWQiOiJhcHAtMSIsInN1YiI6InUx"
    "IiwiZXhwIjoxNzAwMDAwNjAwLCJuYmYiOjE2OTk5OTk5OTAsImlhdCI6MTY5OTk5"
    "OTk5MH0.WZsVr6_ioQSlzV7l7UB3G9K8NlViu9mbsYB1w_WME8Jo7uLHDZQ-jRVs"
    "YZnWL6EIhsmd0MtbFlSFkXti7UcDqrOvKu0zhK5pQdW_w2JWZ4OQRcQu-2aaaSgA"
    "6nj9aZwF1uAmDToV63361UFuOr__r83DKhnbm6PTicJkuVGIaEPSknS_caQiyrIN"
    "kbX9Nv6A66LC2yLM35pJFPfVGd4mVWf2uxfUr_PkCyyDJI2agTUdWsyv0dcU8zvs"
    "ZkswlOpBWs3r4PNp_bEnWfLNHgabC1gq7uya_55Mq0mkmhc_oTOzfR5OCJNXsWPn"
    "IxcPYXZzVaCmjlvdB9-tlMbYdGukMg";

#endif
