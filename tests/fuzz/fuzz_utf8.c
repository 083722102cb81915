/* libFuzzer target: gh_utf8_valid against a reference decoder written
 * from the definition in RFC 3629 / Unicode §3.9: decode each sequence to
 * a code point by its lead byte's length, then reject bad continuation
 * bytes, truncation, overlong forms, surrogates and anything above
 * U+10FFFF. abort() on any disagreement, for the whole input and for a few
 * of its prefixes (so that truncation at every kind of boundary is seen). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "gh_text.h"


static int ref_utf8_valid(const uint8_t *s, size_t n)
{
    static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        uint32_t cp;
        size_t len;

        if (c <= 0x7F) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        }
        else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        }
        else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        }
        else {
            return 0;                       /* continuation or 0xF8..0xFF */
        }
        if (n - i < len) {
            return 0;                       /* truncated */
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min_for_len[len]) {
            return 0;                       /* overlong */
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            return 0;                       /* surrogate */
        }
        if (cp > 0x10FFFF) {
            return 0;
        }
        i += len;
    }
    return 1;
}

static void compare(const uint8_t *data, size_t n)
{
    int got = gh_utf8_valid((const char *)data, n) != 0;
    int want = ref_utf8_valid(data, n);

    if (got != want) {
        fprintf(stderr, "gh_utf8_valid says %d, reference says %d, for %zu bytes:", got, want, n);
        for (size_t i = 0; i < n; i++) {
            fprintf(stderr, " %02X", data[i]);
        }
        fputc('\n', stderr);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    compare(data, size);
    for (size_t cut = 1; cut <= 4 && cut <= size; cut++) {
        compare(data, size - cut);
    }
    if (size > 8) {
        compare(data, size / 2);
    }
    return 0;
}
