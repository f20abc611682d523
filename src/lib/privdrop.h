/* privdrop.h -- giving up root for good (docs/design.md §7, "Privileges").
 *
 * A role started as root binds its ports and reads its secrets as root,
 * then becomes an unprivileged user for the rest of its life: whatever
 * an attacker makes it do afterwards, it does without root. */
#ifndef HERALD_PRIVDROP_H
#define HERALD_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* The uid and primary gid of user name. Returns 0, or -1 with why. */
int privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/* Becomes uid:gid with no supplementary groups (setgroups, setgid,
 * setuid, in that order), then checks that root cannot be taken back.
 * Needs root. Returns 0, or -1 with why (the process must then exit). */
int privdrop_to(uid_t uid, gid_t gid, char *err, size_t errlen);

/* For a role's --user / user = setting: nothing without a name; with one,
 * refused unless running as root. Looks the user up (before anything that
 * could make lookups impossible) into *uid, *gid. Returns 1 when a drop
 * is due, 0 when not, -1 with why. */
int privdrop_plan(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);

#endif
