/* http_source.c -- see http_source.h. */
#include "http_source.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* An IPv4 address (4 bytes) as ::ffff:a.b.c.d, so both kinds compare as one. */
static void map_v4(const void *v4, struct in6_addr *out)
{
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = out->s6_addr[11] = 0xff;
    memcpy(out->s6_addr + 12, v4, 4);
}

/* s (len bytes) as an address, IPv4 mapped into IPv6: 0, or -1. */
static int parse_addr(const char *s, size_t len, struct in6_addr *out)
{
    char text[INET6_ADDRSTRLEN];
    struct in_addr v4;

    if (!len || len >= sizeof text)
        return -1;
    memcpy(text, s, len);
    text[len] = '\0';
    if (inet_pton(AF_INET, text, &v4) == 1) {
        map_v4(&v4, out);
        return 0;
    }
    return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

static int is_separator(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

int http_source_parse_list(const char *list, struct in6_addr *out, int max)
{
    int n = 0;

    for (const char *p = list; *p;) {
        size_t len;
        while (is_separator(*p))
            p++;
        for (len = 0; p[len] && !is_separator(p[len]); len++)
            ;
        if (!len)
            break;
        if (n == max || parse_addr(p, len, &out[n]) != 0)
            return -1;
        n++;
        p += len;
    }
    return n;
}

static int peer_addr(const struct sockaddr *sa, struct in6_addr *out)
{
    if (!sa)
        return -1;
    if (sa->sa_family == AF_INET6) {
        *out = ((const struct sockaddr_in6 *)sa)->sin6_addr;
        return 0;
    }
    if (sa->sa_family != AF_INET)
        return -1;
    map_v4(&((const struct sockaddr_in *)sa)->sin_addr, out);
    return 0;
}

/* The last entry of an X-Forwarded-For value, trimmed: what the trusted
 * proxy itself appended. */
static int last_forwarded(const char *xff, struct in6_addr *out)
{
    const char *end = xff + strlen(xff), *start;

    while (end > xff && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    for (start = end; start > xff && start[-1] != ','; start--)
        ;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    return parse_addr(start, (size_t)(end - start), out);
}

static void format_source(const struct in6_addr *a, char out[HTTP_SOURCE_MAX])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    struct in6_addr prefix = *a;

    if (!memcmp(a->s6_addr, mapped, sizeof mapped)) {
        if (!inet_ntop(AF_INET, a->s6_addr + 12, out, HTTP_SOURCE_MAX))
            snprintf(out, HTTP_SOURCE_MAX, "?");
        return;
    }
    memset(prefix.s6_addr + 8, 0, 8);
    if (!inet_ntop(AF_INET6, &prefix, out, HTTP_SOURCE_MAX - 4))
        snprintf(out, HTTP_SOURCE_MAX, "?");
    else
        strcat(out, "/64");
}

void http_source_of(const struct sockaddr *peer, const char *xff,
                    const struct in6_addr *trusted, int ntrusted, char out[HTTP_SOURCE_MAX])
{
    struct in6_addr a, client;

    if (peer_addr(peer, &a) != 0) {
        snprintf(out, HTTP_SOURCE_MAX, "?");
        return;
    }
    for (int i = 0; xff && i < ntrusted; i++)
        if (!memcmp(&a, &trusted[i], sizeof a)) {
            if (last_forwarded(xff, &client) == 0)
                a = client;
            break;
        }
    format_source(&a, out);
}
