/* hub_signer_config.h -- what hub.ini says about who signs tree heads:
 * [hub] signer (the socket of `herald signer`) and log_pub (the log's
 * public key, to check its signatures). Kept apart from
 * hub_main.c so that the key's absence from the hub is read in one place. */
#ifndef HERALD_HUB_SIGNER_CONFIG_H
#define HERALD_HUB_SIGNER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"

typedef struct hub_signer_config {
    char socket[108];
    uint8_t pk[ED25519_PUBLIC_LEN];
} hub_signer_config;

/* [hub] signer and log_pub into out. Returns 1 with a signer, 0 without
 * one, -1 with why (signer without log_pub, or with log_key too). */
int hub_signer_config_read(const config *cfg, hub_signer_config *out, char *err, size_t errlen);

#endif
