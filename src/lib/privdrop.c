/* privdrop.c -- see privdrop.h. */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privdrop_lookup(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    struct passwd pw, *found = NULL;
    char buf[4096];
    int rc = getpwnam_r(name, &pw, buf, sizeof buf, &found);

    if (rc != 0 || !found) {
        snprintf(err, errlen, "no user '%s'%s%s", name, rc ? ": " : "", rc ? strerror(rc) : "");
        return -1;
    }
    if (found->pw_uid == 0) {
        snprintf(err, errlen, "user '%s' is root: name an unprivileged user", name);
        return -1;
    }
    *uid = found->pw_uid;
    *gid = found->pw_gid;
    return 0;
}

int privdrop_to(uid_t uid, gid_t gid, char *err, size_t errlen)
{
    if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "cannot become uid %u gid %u: %s", (unsigned)uid, (unsigned)gid,
                 strerror(errno));
        return -1;
    }
    /* setuid as root sets all three ids; make sure, and that none of the
     * ways back works. */
    if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid ||
        setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
        snprintf(err, errlen, "root could be taken back after becoming uid %u", (unsigned)uid);
        return -1;
    }
    return 0;
}

int privdrop_plan(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    if (!name || !*name)
        return 0;
    if (geteuid() != 0) {
        snprintf(err, errlen, "a user to run as ('%s') is given, but this process is not root",
                 name);
        return -1;
    }
    return privdrop_lookup(name, uid, gid, err, errlen) != 0 ? -1 : 1;
}
