/* Statement and failure rules: see gh_dbrule.h; why a write may be sent
 * again is explained in gh_db.c. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "gh_dbrule.h"

/* Words that make a statement a write (or lock rows, which a resend after
 * a lost connection would do twice: FOR UPDATE, FOR NO KEY UPDATE). */
static const char *const writes[] = {
    "INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "COPY", "CALL", "DO", "NOTIFY",
    "LISTEN", "LOCK", "TRUNCATE", "SET", "SHARE", NULL
};

/* Words before "(" that are syntax, types, or built-ins that change
 * nothing. Any other function might write (points_deduct_batch does). */
static const char *const pure_calls[] = {
    "AND", "OR", "NOT", "IN", "AS", "FROM", "JOIN", "ON", "WHERE", "SELECT", "BY", "OVER",
    "FILTER", "WHEN", "THEN", "ELSE", "CASE", "EXISTS", "ANY", "ALL", "SOME", "VALUES",
    "LATERAL", "USING", "WITH", "ARRAY", "ROW", "UNION", "EXCEPT", "INTERSECT", "DISTINCT",
    "CAST", "COALESCE", "NULLIF", "GREATEST", "LEAST", "TO_CHAR", "COUNT", "MAX", "MIN",
    "SUM", "AVG", "LOWER", "UPPER", "LENGTH", "CHAR_LENGTH", "ARRAY_AGG", "STRING_AGG",
    "JSON_AGG", "JSONB_AGG", "JSON_BUILD_OBJECT", "JSONB_BUILD_OBJECT", "ROW_NUMBER", "NOW",
    "UNNEST", "GENERATE_SERIES", "GENERATE_SUBSCRIPTS", "DATE_TRUNC", "EXTRACT", "ABS",
    "ROUND", "CONCAT", "SUBSTRING", "POSITION", "TRIM", "REPLACE", "ENCODE", "DECODE",
    "NUMERIC", "DECIMAL", "VARCHAR", "CHAR", "CHARACTER", "TIMESTAMP", "TIMESTAMPTZ",
    "INTERVAL", "BIT", NULL
};

static int listed(const char *const *list, const char *word, size_t len)
{
    for (; *list; list++) {
        if (strlen(*list) == len && strncasecmp(*list, word, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Skips a quoted literal or identifier starting at s (its quote q), with
 * the doubled quote as escape; returns the first byte after it. */
static const char *skip_quoted(const char *s, char q)
{
    for (s++; *s; s++) {
        if (*s == q) {
            if (s[1] != q) {
                return s + 1;
            }
            s++;
        }
    }
    return s;
}

static const char *skip_space_and_comments(const char *s)
{
    for (;;) {
        while (isspace((unsigned char)*s)) {
            s++;
        }
        if (s[0] == '-' && s[1] == '-') {
            s += strcspn(s, "\n");
        }
        else if (s[0] == '/' && s[1] == '*') {
            const char *end = strstr(s + 2, "*/");
            s = end ? end + 2 : s + strlen(s);
        }
        else {
            return s;
        }
    }
}

int gh_dbrule_read_only(const char *sql)
{
    int first = 1;
    const char *s = sql ? sql : "";

    while (*(s = skip_space_and_comments(s))) {
        if (*s == '\'' || *s == '"') {
            s = skip_quoted(s, *s);
        }
        else if (*s == '$') {
            return 0;                      /* dollar quotes: not ours to parse */
        }
        else if (isalpha((unsigned char)*s) || *s == '_') {
            const char *word = s;
            size_t len;
            while (isalnum((unsigned char)*s) || *s == '_' || *s == '$') {
                s++;
            }
            len = (size_t)(s - word);
            if (first && !listed((const char *const[]){ "SELECT", "WITH", NULL }, word, len)) {
                return 0;
            }
            first = 0;
            if (listed(writes, word, len)
                || (*skip_space_and_comments(s) == '(' && !listed(pure_calls, word, len))) {
                return 0;
            }
        }
        else if (*s == '%') {              /* apr_dbd's %s and %lld placeholders */
            s++;
            while (isalpha((unsigned char)*s)) {
                s++;
            }
        }
        else if (*s == ';') {
            return 0;                      /* one statement only */
        }
        else {
            s++;
        }
    }
    return !first;
}

int gh_dbrule_sqlstate(const char *msg, char out[6])
{
    /* verbose errors read "<SEVERITY>:  <SQLSTATE>: ", in any server locale */
    for (const char *p = msg ? strstr(msg, ":  ") : NULL; p; p = strstr(p + 1, ":  ")) {
        const char *c = p + 3;
        int ok = 1;
        for (int i = 0; i < 5; i++) {
            ok &= isdigit((unsigned char)c[i]) || isupper((unsigned char)c[i]);
        }
        if (ok && c[5] == ':') {
            memcpy(out, c, 5);
            out[5] = '\0';
            return 1;
        }
    }
    out[0] = '\0';
    return 0;
}

int gh_dbrule_resend(const char *sqlstate, int read_only, int fatal_before)
{
    /* 57P01 admin_shutdown, 57P05 idle_session_timeout: see gh_db.c */
    return read_only || fatal_before
        || strcmp(sqlstate, "57P01") == 0 || strcmp(sqlstate, "57P05") == 0;
}

int gh_dbrule_rolled_back(const char *sqlstate)
{
    return strcmp(sqlstate, "40P01") == 0 || strcmp(sqlstate, "40001") == 0;
}

int gh_dbrule_data_error(const char *sqlstate)
{
    return strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0;
}

int gh_dbrule_lograte(gh_dbrule_lograte_t *lr, apr_time_t now, apr_interval_time_t interval,
                      unsigned long *repeats)
{
    if (lr->said_at != 0 && now >= lr->said_at && now - lr->said_at < interval) {
        lr->repeats++;
        return 0;
    }
    *repeats = lr->repeats;
    lr->repeats = 0;
    lr->said_at = now ? now : 1;
    return 1;
}
