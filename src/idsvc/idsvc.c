/* idsvc.c -- see idsvc.h. */
#include "idsvc.h"

#include <stdint.h>
#include <stdio.h>

#include "keyfile.h"

static int load_key(idsvc *s, const char *path, char *err, size_t errlen)
{
    uint8_t raw[32];

    if (keyfile_read(path, 1, raw, sizeof raw, err, errlen) != 0)
        return -1;
    s->key = secure_alloc(sizeof *s->key);
    if (!s->key) {
        secure_wipe(raw, sizeof raw);
        snprintf(err, errlen, "cannot allocate secure memory for the key");
        return -1;
    }
    hmac512_key_init(s->key, raw, sizeof raw);
    secure_wipe(raw, sizeof raw);
    return 0;
}

int idsvc_open(idsvc *s, const char *key_file, const char *clients_file, char *err,
               size_t errlen)
{
    s->key = NULL;
    if (apikeys_load(&s->clients, clients_file, err, errlen) != 0)
        return -1;
    if (load_key(s, key_file, err, errlen) != 0) {
        apikeys_free(&s->clients);
        return -1;
    }
    return 0;
}

void idsvc_close(idsvc *s)
{
    secure_free(s->key);
    s->key = NULL;
    apikeys_free(&s->clients);
}
