/* role_confine.c -- see role_confine.h. */
#include "role_confine.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

int role_confine_filter(const sandbox_list *list, const char *setting, const char *where,
                        char *err, size_t errlen)
{
    int on;

    if (sandbox_setting(setting, &on) != 0) {
        snprintf(err, errlen, "%s must be on or off", where);
        return -1;
    }
    if (!on) {
        log_warn("%s = off: no seccomp filter, every system call is allowed", where);
        return 0;
    }
    if (sandbox_apply(list, err, errlen) != 0)
        return -1;
    log_info("seccomp filter on: %zu system calls allowed, a few more on their arguments; "
             "any other stops the process", sandbox_count(list));
    return 0;
}

/* The data directory, or where it will be made, is the user's to write:
 * said now rather than as a database error later. */
static int dir_usable(const char *dir, const char *user, char *err, size_t errlen)
{
    if (access(dir, W_OK | X_OK) == 0 || errno == ENOENT)
        return 0;
    snprintf(err, errlen, "%s: the user %s cannot write here (%s): make it %s's "
             "(chown -R %s %s)", dir, user, strerror(errno), user, user, dir);
    return -1;
}

int role_confine(const config *cfg, const char *section, const char *dir,
                 const sandbox_list *list, char *err, size_t errlen)
{
    const char *name = config_get(cfg, section, "user");
    char where[96];
    uid_t uid;
    gid_t gid;
    int due = privdrop_plan(name, &uid, &gid, err, errlen);

    if (due < 0 || (due && privdrop_to(uid, gid, err, errlen) != 0))
        return -1;
    if (due) {
        log_info("running as %s (uid %u)", name, (unsigned)uid);
        if (dir && dir_usable(dir, name, err, errlen) != 0)
            return -1;
    }
    snprintf(where, sizeof where, "[%s] seccomp", section);
    return role_confine_filter(list, config_get(cfg, section, "seccomp"), where, err, errlen);
}
