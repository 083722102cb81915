/* A tiny test runner: CHECK-style macros that count checks and failures
 * and report file:line with the failing expression. main.c defines the
 * counters and prints the summary.
 *
 * Every check yields whether it passed, so a caller can print context. */
#ifndef GH_TEST_CHECK_H
#define GH_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned long check_count;     /* checks evaluated */
extern unsigned long check_failures;  /* checks that failed */

static inline void check_fail_head(const char *file, int line, const char *what)
{
    check_failures++;
    fprintf(stderr, "%s:%d: FAIL: %s\n", file, line, what);
}

/* Prints s[0..n) quoted, with non-printable bytes as \xNN. */
static inline void check_print_bytes(const char *s, size_t n)
{
    fputc('"', stderr);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            fprintf(stderr, "\\%c", c);
        }
        else if (c < 0x20 || c >= 0x7f) {
            fprintf(stderr, "\\x%02x", c);
        }
        else {
            fputc(c, stderr);
        }
    }
    fputc('"', stderr);
}

static inline void check_print_str(const char *s)
{
    if (s == NULL) {
        fputs("NULL", stderr);
    }
    else {
        check_print_bytes(s, strlen(s));
    }
}

static inline int check_bool(int ok, const char *file, int line, const char *expr)
{
    check_count++;
    if (!ok) {
        check_fail_head(file, line, expr);
    }
    return ok;
}

static inline int check_int_eq(long long actual, long long expected, const char *file,
                               int line, const char *a_expr, const char *e_expr)
{
    check_count++;
    if (actual != expected) {
        check_fail_head(file, line, "integer mismatch");
        fprintf(stderr, "    %s == %lld\n    expected %s == %lld\n",
                a_expr, actual, e_expr, expected);
        return 0;
    }
    return 1;
}

static inline int check_str_eq(const char *actual, const char *expected, const char *file,
                               int line, const char *a_expr, const char *e_expr)
{
    int same = (actual == NULL || expected == NULL) ? actual == expected
                                                    : strcmp(actual, expected) == 0;
    check_count++;
    if (!same) {
        check_fail_head(file, line, "string mismatch");
        fprintf(stderr, "    %s == ", a_expr);
        check_print_str(actual);
        fprintf(stderr, "\n    expected %s == ", e_expr);
        check_print_str(expected);
        fputc('\n', stderr);
    }
    return same;
}

static inline int check_mem_eq(const void *actual, size_t alen, const void *expected,
                               size_t elen, const char *file, int line,
                               const char *a_expr, const char *e_expr)
{
    int same = alen == elen && (alen == 0 || memcmp(actual, expected, alen) == 0);
    check_count++;
    if (!same) {
        check_fail_head(file, line, "bytes mismatch");
        fprintf(stderr, "    %s (%zu bytes) == ", a_expr, alen);
        if (actual) check_print_bytes(actual, alen); else fputs("NULL", stderr);
        fprintf(stderr, "\n    expected %s (%zu bytes) == ", e_expr, elen);
        check_print_bytes(expected, elen);
        fputc('\n', stderr);
    }
    return same;
}

/* expr must be true. */
#define CHECK(expr) check_bool(!!(expr), __FILE__, __LINE__, #expr)

/* Integer equality (compared as long long); prints both values. */
#define CHECK_INT_EQ(actual, expected) \
    check_int_eq((long long)(actual), (long long)(expected), __FILE__, __LINE__, \
                 #actual, #expected)

/* C-string equality; NULL equals only NULL. */
#define CHECK_STR_EQ(actual, expected) \
    check_str_eq((actual), (expected), __FILE__, __LINE__, #actual, #expected)

/* Byte-string equality with explicit lengths. */
#define CHECK_MEM_EQ(actual, alen, expected, elen) \
    check_mem_eq((actual), (alen), (expected), (elen), __FILE__, __LINE__, \
                 #actual, #expected)

#define CHECK_NULL(p)     CHECK((p) == NULL)
#define CHECK_NOT_NULL(p) CHECK((p) != NULL)

#endif
