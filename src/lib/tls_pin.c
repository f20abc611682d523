/* tls_pin.c -- see tls_pin.h. */
#include "tls_pin.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"

typedef struct pinned {
    char origin[256];
    char pin[TLS_PIN_LEN];
} pinned;

static pinned table[TLS_PIN_MAX_PEERS];
static size_t count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int tls_pin_valid(const char *pin)
{
    uint8_t hash[33];

    return pin && !strncmp(pin, "sha256//", 8) && strlen(pin) == TLS_PIN_LEN - 1 &&
           base64_decode(hash, sizeof hash, pin + 8, strlen(pin + 8)) == 32;
}

/* "https://host:port" of url, without path, query or user; -1 when url
 * has no "scheme://" or the origin does not fit. */
static int origin_of(const char *url, char out[256])
{
    const char *host = strstr(url, "://");
    size_t n;

    if (!host || host == url)
        return -1;
    host += 3;
    n = (size_t)(host - url) + strcspn(host, "/?#");
    if (n >= 256 || n == (size_t)(host - url))
        return -1;
    memcpy(out, url, n);
    out[n] = '\0';
    return 0;
}

int tls_pin_set(const char *url, const char *pin)
{
    char origin[256];
    size_t i;

    if (!tls_pin_valid(pin) || origin_of(url, origin) != 0)
        return -1;
    pthread_mutex_lock(&lock);
    for (i = 0; i < count && strcasecmp(table[i].origin, origin); i++)
        ;
    if (i == TLS_PIN_MAX_PEERS) {
        pthread_mutex_unlock(&lock);
        return -1;
    }
    memcpy(table[i].origin, origin, sizeof origin);
    memcpy(table[i].pin, pin, TLS_PIN_LEN);
    if (i == count)
        count++;
    pthread_mutex_unlock(&lock);
    return 0;
}

int tls_pin_for(const char *url, char out[TLS_PIN_LEN])
{
    char origin[256];
    int found = 0;

    if (origin_of(url, origin) != 0)
        return 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < count && !found; i++)
        if (!strcasecmp(table[i].origin, origin)) {
            memcpy(out, table[i].pin, TLS_PIN_LEN);
            found = 1;
        }
    pthread_mutex_unlock(&lock);
    return found;
}
