/* demo_peers.h -- the world outside herald that the demo's alerts go to:
 * an SMSC (tests/peers/smsc, on npm's smpp package) behind the carrier
 * platform's SMS channel and a push gateway (tests/peers/push) behind the
 * messenger platform's push channel. Both are the same node programs the
 * integration tests run against, started before the platforms and stopped
 * with them; their /stats answers are what each phone received. */
#ifndef HERALD_DEMO_PEERS_H
#define HERALD_DEMO_PEERS_H

#include <stddef.h>

#include "demo.h"

/* The SMPP login the carrier platform binds with. */
#define DEMO_SMPP_SYSTEM_ID "herald"
/* The carrier's sender number on its texts. */
#define DEMO_SMS_SOURCE "15880000"
/* The gateway peer's push endpoint. */
#define DEMO_PUSH_PATH "/v1/push"
/* The files holding the channels' secrets, in each platform's folder. */
#define DEMO_SMPP_PASSWORD_FILE "smpp.password"
#define DEMO_PUSH_KEY_FILE "push.key"

/* Writes the channels' secrets (0600) into the platforms' folders, which
 * must exist, installs the peers' locked npm packages (scripts/peers.sh)
 * and starts both peers, filling d's peer ports. Nothing with
 * --no-channels. Returns 0, or -1 with err saying what to do. */
int demo_peers_start(demo *d, char *err, size_t errlen);

#endif
