/* console_user_cmd.h -- `herald ROLE user add|list|remove`: the staff
 * accounts of a role's console, made and removed on the server's own
 * machine by whoever may read its configuration. The role's command
 * finds its database and calls this. */
#ifndef HERALD_CONSOLE_USER_CMD_H
#define HERALD_CONSOLE_USER_CMD_H

/* Runs words[0] ("add", "list", "remove") with the words after it, on the
 * console named console in db_path; role is --role's value (NULL when not
 * given). cmd names the command in messages ("agency user"). Returns the
 * exit status. `add` reads the password from the terminal (twice, without
 * echo) or, when stdin is not one, as the first line of stdin, and prints
 * the TOTP secret once, as an otpauth:// URI and a QR code. */
int console_user_cmd(const char *cmd, const char *db_path, const char *console, char **words,
                     int nwords, const char *role);

#endif
