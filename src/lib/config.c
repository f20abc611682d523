/* config.c -- see config.h. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_FILE_MAX (1 << 20)

/* The file being read and the line inih has just asked for: the line
 * each entry came from. */
typedef struct config_reader {
    FILE *f;
    int line;
    config *cfg;
    int long_line, max_line; /* the first line inih's buffer cut, and its size */
    int indented;            /* the line begins with white space */
} config_reader;

static char *read_line(char *str, int num, void *stream)
{
    config_reader *r = stream;
    char *got = fgets(str, num, r->f);

    if (got) {
        r->line++;
        r->indented = got[0] == ' ' || got[0] == '\t';
    }
    /* inih would read the rest as a line of its own: the cut one is named
     * instead. A line that only lacks its newline is whole: the newline
     * is taken here, or inih would count an empty line more. */
    if (got && num >= 2 && !r->long_line && strlen(got) == (size_t)num - 1 &&
        got[num - 2] != '\n' && !feof(r->f)) {
        int c = fgetc(r->f);
        if (c != '\n' && c != EOF) {
            ungetc(c, r->f);
            r->long_line = r->line;
            r->max_line = num - 1;
        }
    }
    return got;
}

/* An indented line under an entry continues its value (inih calls back
 * with the entry's key again): joined to it after a newline, as Python's
 * configparser reads such a file, rather than taking its place. */
static int continue_value(config *cfg, const char *value)
{
    config_entry *e = &cfg->entries[cfg->count - 1];
    size_t had = strlen(e->value), more = strlen(value);
    char *v = realloc(e->value, had + 1 + more + 1);

    if (!v)
        return 0;
    v[had] = '\n';
    memcpy(v + had + 1, value, more + 1);
    e->value = v;
    return 1;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
    config_reader *r = user;
    config *cfg = r->cfg;
    config_entry *e;

    if (r->indented && cfg->count > 0 && !strcmp(cfg->entries[cfg->count - 1].section, section) &&
        !strcmp(cfg->entries[cfg->count - 1].key, key))
        return continue_value(cfg, value);
    if (cfg->count == CONFIG_MAX_ENTRIES)
        return 0;
    if (cfg->count == cfg->cap) { /* doubling: a long file is not copied per line */
        size_t cap = cfg->cap ? cfg->cap * 2 : 32;
        e = realloc(cfg->entries, cap * sizeof *e);
        if (!e)
            return 0;
        cfg->entries = e;
        cfg->cap = cap;
    }
    e = &cfg->entries[cfg->count];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = r->line;
    if (!e->section || !e->key || !e->value) {
        free(e->section), free(e->key), free(e->value);
        return 0;
    }
    cfg->count++;
    return 1;
}

int config_read(config *cfg, FILE *f, const char *name, char *err, size_t errlen)
{
    config_reader reader = {f, 0, cfg, 0, 0, 0};
    int line;

    memset(cfg, 0, sizeof *cfg);
    fseek(f, 0, SEEK_END);
    if (ftell(f) > CONFIG_FILE_MAX) {
        snprintf(err, errlen, "%s: larger than %d bytes", name, CONFIG_FILE_MAX);
        return -1;
    }
    rewind(f);
    cfg->path = strdup(name);
    line = ini_parse_stream(read_line, &reader, on_entry, &reader);
    /* a cut line's rest may read as an entry of its own: an error even so */
    if (line == 0 && reader.long_line)
        line = reader.long_line;
    if (line != 0) {
        if (line > 0 && reader.long_line)
            snprintf(err, errlen, "%s:%d: longer than %d characters", name, reader.long_line,
                     reader.max_line);
        else if (line > 0)
            snprintf(err, errlen, "%s:%d: not a 'key = value' line or '[section]', "
                     "or too many entries", name, line);
        else
            snprintf(err, errlen, "%s: cannot read", name);
        config_free(cfg);
        return -1;
    }
    return 0;
}

int config_load(config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    int r;

    if (!f) {
        memset(cfg, 0, sizeof *cfg);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    r = config_read(cfg, f, path, err, errlen);
    fclose(f);
    return r;
}

void config_free(config *cfg)
{
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->entries[i].section);
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    free(cfg->path);
    memset(cfg, 0, sizeof *cfg);
}

int config_line(const config *cfg, const char *section, const char *key)
{
    for (size_t i = cfg->count; i-- > 0;)
        if (!strcmp(cfg->entries[i].section, section) && !strcmp(cfg->entries[i].key, key))
            return cfg->entries[i].line;
    return 0;
}

const char *config_get(const config *cfg, const char *section, const char *key)
{
    const char *found = NULL;

    for (size_t i = 0; i < cfg->count; i++) /* the last one wins */
        if (!strcmp(cfg->entries[i].section, section) && !strcmp(cfg->entries[i].key, key))
            found = cfg->entries[i].value;
    return found;
}

const char *config_require(const config *cfg, const char *section, const char *key,
                           char *err, size_t errlen)
{
    const char *v = config_get(cfg, section, key);

    if (!v || !*v)
        snprintf(err, errlen, "%s: [%s] %s is required", cfg->path, section, key);
    return v && *v ? v : NULL;
}

int config_long(const config *cfg, const char *section, const char *key,
                long def, long min, long max, long *out, char *err, size_t errlen)
{
    const char *v = config_get(cfg, section, key);
    char *end;
    long n;

    if (!v) {
        *out = def;
        return 0;
    }
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max) {
        snprintf(err, errlen, "%s: [%s] %s must be a whole number from %ld to %ld",
                 cfg->path, section, key, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

int config_each_section(const config *cfg, const char *kind,
                        int (*fn)(void *ctx, const config *cfg, const char *section,
                                  const char *name),
                        void *ctx)
{
    size_t klen = strlen(kind);

    for (size_t i = 0; i < cfg->count; i++) {
        const char *s = cfg->entries[i].section;
        int seen = 0;
        if (strncmp(s, kind, klen) != 0 || s[klen] != ' ')
            continue;
        for (size_t j = 0; j < i && !seen; j++) /* first entry of the section only */
            seen = !strcmp(cfg->entries[j].section, s);
        if (seen)
            continue;
        int r = fn(ctx, cfg, s, s + klen + 1);
        if (r)
            return r;
    }
    return 0;
}

void config_path(const config *cfg, const char *value, char *out, size_t outlen)
{
    const char *slash = strrchr(cfg->path, '/');

    if (value[0] == '/' || !slash)
        snprintf(out, outlen, "%s", value);
    else
        snprintf(out, outlen, "%.*s/%s", (int)(slash - cfg->path), cfg->path, value);
}
