/* config.h -- role configuration files (INI, parsed by inih).
 *
 * Every long-running role reads one file: "[section]" or
 * "[kind name]" headers and "key = value" lines. The whole file is loaded
 * into a small list so roles ask for values by name and get a clear error
 * naming the file, section and key when one is missing. */
#ifndef HERALD_CONFIG_H
#define HERALD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_MAX_ENTRIES 4096

typedef struct config_entry {
    char *section, *key, *value;
    int line; /* where in the file, for errors about the value */
} config_entry;

typedef struct config {
    char *path;
    config_entry *entries;
    size_t count, cap;
} config;

/* Returns 0, or -1 with "FILE:LINE: reason" in err. */
int config_load(config *cfg, const char *path, char *err, size_t errlen);
/* The same from an open stream, which stays the caller's; name stands for
 * the file in errors and in cfg->path. */
int config_read(config *cfg, FILE *f, const char *name, char *err, size_t errlen);
void config_free(config *cfg);

/* The value, or NULL when absent. */
const char *config_get(const config *cfg, const char *section, const char *key);
/* The value, or NULL after writing "FILE: [section] key is required" to err. */
const char *config_require(const config *cfg, const char *section, const char *key,
                           char *err, size_t errlen);
/* The line of the file that set the value (the last one), 0 when absent. */
int config_line(const config *cfg, const char *section, const char *key);
/* A whole number in [min, max] or def when absent; -1 with err when bad. */
int config_long(const config *cfg, const char *section, const char *key,
                long def, long min, long max, long *out, char *err, size_t errlen);

/* Calls fn for each section whose name starts with "kind " (e.g. "platform
 * messenger"), passing the name after the space. Stops at the first
 * non-zero return and returns it. */
int config_each_section(const config *cfg, const char *kind,
                        int (*fn)(void *ctx, const config *cfg, const char *section,
                                  const char *name),
                        void *ctx);

/* A path relative to the config file's folder, unless absolute: writes it
 * to out. */
void config_path(const config *cfg, const char *value, char *out, size_t outlen);

#endif
