/* What a core operation (the database, an outbound call, a provider
 * client, identity linking, the ledger) tells its caller: a kind, an
 * optional reason word from its own domain and a message for the client.
 * The core never picks an HTTP answer; an area maps a result to one
 * (gh_response.h: gh_fail_result, or its own table of reasons). Pure:
 * no includes, so C unit tests can use every function returning it. */
#ifndef GH_RESULT_H
#define GH_RESULT_H

typedef enum {
    GH_OK = 0,
    GH_NOT_FOUND,         /* what was asked for does not exist */
    GH_CONFLICT,          /* a concurrent change won, or the state forbids it */
    GH_REFUSED,           /* a rule or an upstream says no (credentials, policy) */
    GH_BAD_INPUT,         /* the caller's input is wrong */
    GH_DB_UNAVAILABLE,    /* the database cannot be reached; nothing changed */
    GH_DB_REJECTED,       /* the database refused the statement */
    GH_UPSTREAM_DOWN,     /* an outside service cannot be reached */
    GH_UPSTREAM_TIMEOUT,  /* an outside service did not answer in time */
    GH_UPSTREAM_BAD,      /* an outside service answered, not as its API says */
    GH_NOT_CONFIGURED,    /* the server lacks the settings this needs */
    GH_INTERNAL           /* a fault of ours: out of memory, no randomness, a bug */
} gh_kind_e;

typedef struct {
    gh_kind_e kind;
    const char *reason;   /* e.g. Cognito's exception name, "disabled"; may be NULL */
    const char *message;  /* for the client; NULL: the kind's default */
} gh_result_t;

#define GH_RESULT_OK ((gh_result_t){ GH_OK, NULL, NULL })

static inline gh_result_t gh_result(gh_kind_e kind, const char *reason, const char *message)
{
    gh_result_t res = { kind, reason, message };
    return res;
}

#endif
