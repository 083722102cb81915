/* What gh_jwt says for each refusal: the tests' own copy of the
 * contract, shared by the unit tests and the fuzz target's model, and
 * kept apart from the module's strings so that a changed message fails. */
#ifndef GH_TEST_JWT_MESSAGES_H
#define GH_TEST_JWT_MESSAGES_H

#define MSG_LONG    "the token is too long"
#define MSG_PARTS   "the token does not have three parts"
#define MSG_B64     "a token part is not base64url"
#define MSG_OBJECT  "a token part is not a JSON object"
#define MSG_NO_ALG  "the token names no algorithm"
#define MSG_SIG     "the signature is not base64url"
#define MSG_ISS     "the token has the wrong issuer"
#define MSG_AUD     "the token is for another audience"
#define MSG_NO_AUD  "the token must not name an audience"
#define MSG_CLIENT  "the token is for another client"
#define MSG_USE     "the token is of the wrong kind"
#define MSG_EXP     "the token has no valid expiry"
#define MSG_EXPIRED "the token has expired"
#define MSG_NBF     "the token is not valid yet"
#define MSG_IAT     "the token was issued in the future"

#endif
