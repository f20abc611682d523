/* http_source.h -- the address a request's sign-in attempts and sign-ups
 * are counted against.
 *
 * Behind a reverse proxy every request comes from the proxy's address,
 * and per-source limits counted on it would let anyone lock everyone out.
 * So a role may name the proxies it trusts ([http] trusted_proxies): a
 * request from one of them is counted against the last address of its
 * X-Forwarded-For, the one that proxy appended; from any other peer the
 * header is ignored, since anyone can send it. IPv6 addresses count by
 * their /64, as the connection limits do: one subscriber's prefix is one
 * source. */
#ifndef HERALD_HTTP_SOURCE_H
#define HERALD_HTTP_SOURCE_H

#include <netinet/in.h>
#include <stddef.h>

struct sockaddr;

#define HTTP_TRUSTED_PROXIES_MAX 8
/* The longest source written: an IPv6 /64 ("ffff:ffff:ffff:ffff::/64"). */
#define HTTP_SOURCE_MAX 48

/* Parses a list of IPv4 and IPv6 addresses separated by commas or spaces
 * into out (IPv4 as ::ffff:a.b.c.d): how many, or -1 when one is not an
 * address or there are more than max. */
int http_source_parse_list(const char *list, struct in6_addr *out, int max);

/* The source of a request from peer (AF_INET or AF_INET6; NULL when
 * unknown) with X-Forwarded-For xff (NULL when absent), given the trusted
 * proxies: an address as text, "?" when there is none. */
void http_source_of(const struct sockaddr *peer, const char *xff,
                    const struct in6_addr *trusted, int ntrusted, char out[HTTP_SOURCE_MAX]);

#endif
