/* Pool-owned json-c objects and strict JSON parsing of request bodies. */
#include <limits.h>
#include <string.h>

#include "gh_json.h"
#include "gh_text.h"

#define GH_JSON_DEPTH 32

/* json-c, even with JSON_TOKENER_STRICT, accepts single-quoted strings and
 * comments and clamps integers beyond int64 to its limits. The lexer below
 * accepts only RFC 8259 tokens and leaves the structure to json-c. */

static apr_status_t json_put(void *obj)
{
    json_object_put(obj);
    return APR_SUCCESS;
}

json_object *gh_json_own(apr_pool_t *p, json_object *obj)
{
    if (obj) {
        apr_pool_cleanup_register(p, obj, json_put, apr_pool_cleanup_null);
    }
    return obj;
}

json_object *gh_json_object(apr_pool_t *p)
{
    return gh_json_own(p, json_object_new_object());
}

/* A JSON string holding \u0000 would be cut short as a C string. */
static int whole_string(json_object *v)
{
    return json_object_is_type(v, json_type_string)
        && (size_t)json_object_get_string_len(v) == strlen(json_object_get_string(v));
}

const char *gh_json_str(json_object *obj, const char *name)
{
    json_object *v;
    return obj && json_object_object_get_ex(obj, name, &v) && whole_string(v)
         ? json_object_get_string(v) : NULL;
}

const char *gh_json_str_of(json_object *v)
{
    return v && whole_string(v) ? json_object_get_string(v) : NULL;
}

int gh_json_int(json_object *obj, const char *name, apr_int64_t min, apr_int64_t max,
                apr_int64_t *out)
{
    json_object *v;
    apr_int64_t n;

    if (obj == NULL || !json_object_object_get_ex(obj, name, &v)
        || !json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) < min
        || n > max) {
        return -1;
    }
    *out = n;
    return 0;
}

json_object *gh_json_obj(json_object *obj, const char *name)
{
    json_object *v;
    return obj && json_object_object_get_ex(obj, name, &v) && json_object_is_type(v, json_type_object)
         ? v : NULL;
}

const char *gh_json_serialize(json_object *obj, apr_size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    *len = n;
    return s;
}

/* Compares a run of digits (no leading zeros) with the magnitude limit
 * of int64. */
static int digits_fit(const char *d, apr_size_t n, int negative)
{
    static const char max[] = "9223372036854775807";
    static const char min[] = "9223372036854775808";

    if (n != sizeof(max) - 1) {
        return n < sizeof(max) - 1;
    }
    return memcmp(d, negative ? min : max, n) <= 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Skips a string starting at buf[i] == '"'; returns the index after it, or
 * 0 when it is malformed. */
static apr_size_t lex_string(const char *buf, apr_size_t len, apr_size_t i)
{
    for (i++; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '"') {
            return i + 1;
        }
        if (c < 0x20) {
            return 0;
        }
        if (c == '\\') {
            if (++i >= len) {
                return 0;
            }
            if (buf[i] == 'u') {
                if (len - i < 5 || !is_hex(buf[i + 1]) || !is_hex(buf[i + 2])
                    || !is_hex(buf[i + 3]) || !is_hex(buf[i + 4])) {
                    return 0;
                }
                i += 4;
            }
            else if (!strchr("\"\\/bfnrt", buf[i]) || buf[i] == '\0') {
                return 0;
            }
        }
    }
    return 0;
}

/* Skips a number starting at buf[i]; returns the index after it, or 0 when
 * it is malformed. *range_ok is cleared for an integer beyond int64. */
static apr_size_t lex_number(const char *buf, apr_size_t len, apr_size_t i, int *range_ok)
{
    int negative = (buf[i] == '-');
    apr_size_t start, end;

    if (negative) {
        i++;
    }
    start = i;
    if (i < len && buf[i] == '0') {
        if (++i < len && is_digit(buf[i])) {
            return 0;                    /* no leading zeros */
        }
    }
    else if (i < len && is_digit(buf[i])) {
        while (i < len && is_digit(buf[i])) {
            i++;
        }
    }
    else {
        return 0;
    }
    end = i;
    if (i < len && buf[i] == '.') {
        if (++i >= len || !is_digit(buf[i])) {
            return 0;
        }
        while (i < len && is_digit(buf[i])) {
            i++;
        }
    }
    if (i < len && (buf[i] == 'e' || buf[i] == 'E')) {
        i++;
        if (i < len && (buf[i] == '+' || buf[i] == '-')) {
            i++;
        }
        if (i >= len || !is_digit(buf[i])) {
            return 0;
        }
        while (i < len && is_digit(buf[i])) {
            i++;
        }
    }
    if (end == i && !digits_fit(buf + start, end - start, negative)) {
        *range_ok = 0;
    }
    return i;
}

int gh_json_lex(const char *buf, apr_size_t len, const char **err)
{
    static const char *const words[] = { "true", "false", "null" };
    apr_size_t i = 0;
    int range_ok = 1;

    while (i < len) {
        char c = buf[i];
        apr_size_t next = 0;

        if (is_space(c) || (c != '\0' && strchr("{}[]:,", c))) {
            next = i + 1;
        }
        else if (c == '"') {
            next = lex_string(buf, len, i);
        }
        else if (c == '-' || is_digit(c)) {
            next = lex_number(buf, len, i, &range_ok);
        }
        else {
            for (int w = 0; w < 3; w++) {
                apr_size_t n = strlen(words[w]);
                if (len - i >= n && memcmp(buf + i, words[w], n) == 0) {
                    next = i + n;
                }
            }
        }
        if (next == 0) {
            *err = "request body is not valid JSON";
            return -1;
        }
        i = next;
    }
    if (!range_ok) {
        *err = "a number in the request body is out of range";
        return -1;
    }
    return 0;
}

int gh_json_parse(apr_pool_t *p, const char *buf, apr_size_t len,
                  json_object **out, const char **err)
{
    json_tokener *tok;
    json_object *obj;
    enum json_tokener_error jerr;

    *out = NULL;
    if (len == 0) {
        *err = "request body is empty";
        return -1;
    }
    if (len > INT_MAX) {
        *err = "request body is too large";
        return -1;
    }
    if (!gh_utf8_valid(buf, len)) {
        *err = "request body is not valid UTF-8";
        return -1;
    }
    if (gh_json_lex(buf, len, err) != 0) {
        return -1;
    }
    tok = json_tokener_new_ex(GH_JSON_DEPTH);
    if (tok == NULL) {
        *err = "out of memory";
        return -1;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    obj = json_tokener_parse_ex(tok, buf, (int)len);
    jerr = json_tokener_get_error(tok);
    if (obj == NULL && jerr == json_tokener_continue) {
        /* A bare number or literal is complete only once the tokener sees the end. */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    json_tokener_free(tok);

    /* Strict mode also refuses anything but whitespace after the value. */
    if (jerr != json_tokener_success) {
        json_object_put(obj);
        *err = "request body is not valid JSON";
        return -1;
    }
    *out = gh_json_own(p, obj);
    return 0;
}
