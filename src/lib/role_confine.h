/* role_confine.h -- what a role started from its INI file gives up once
 * its ports are bound and its secrets read (docs/design.md §7,
 * "Privileges"): root, for the user its [SECTION] user names, then every
 * system call but those its list allows ([SECTION] seccomp, on unless
 * off). One function so that the hub, the platform and agency serve do
 * it in the same order with the same words; idsvc, configured by
 * options, calls privdrop and sandbox itself. */
#ifndef HERALD_ROLE_CONFINE_H
#define HERALD_ROLE_CONFINE_H

#include <stddef.h>

#include "config.h"
#include "sandbox.h"

/* [section] user: when set the process must be root, and becomes that
 * user; then dir (the role's data directory, which may not exist yet)
 * must be the user's to write. Then, unless [section] seccomp = off, the
 * filter of list. Returns 0, or -1 with why (the role must not run). */
int role_confine(const config *cfg, const char *section, const char *dir,
                 const sandbox_list *list, char *err, size_t errlen);

/* The filter alone, as a seccomp setting ("on", "off" or NULL: on) says;
 * where names the setting in errors and in the log. */
int role_confine_filter(const sandbox_list *list, const char *setting, const char *where,
                        char *err, size_t errlen);

#endif
