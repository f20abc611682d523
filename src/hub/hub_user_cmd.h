/* hub_user_cmd.h -- `herald hub user`: the operators' console accounts
 * (hub_user_cmd.c). cmd_hub hands it the words after `hub`. */
#ifndef HERALD_HUB_USER_CMD_H
#define HERALD_HUB_USER_CMD_H

int hub_user_main(int argc, char **argv);

#endif
