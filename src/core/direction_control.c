/* direction_control.c -- see direction_control.h. */
#include "direction_control.h"

#include <stdio.h>

#include "seen_char.h"

int direction_control(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

uint32_t direction_control_find(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < len;) {
        uint32_t cp = u[i];
        /* every one is three bytes (U+061C two): ASCII cannot be one */
        size_t step = cp < 0x80 ? 1 : seen_char_utf8(u + i, len - i, &cp);
        if (cp >= 0x80 && direction_control(cp))
            return cp;
        i += step;
    }
    return 0;
}

const char *direction_control_problem(const char *s, size_t len)
{
    /* Per thread: the API server's threads check requests at once. */
    static _Thread_local char why[96];
    uint32_t cp = direction_control_find(s, len);

    if (!cp)
        return NULL;
    snprintf(why, sizeof why, "holds a direction control character (U+%04X), which can "
             "change what is printed", (unsigned)cp);
    return why;
}
