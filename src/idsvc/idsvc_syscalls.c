/* idsvc_syscalls.c -- every system call `herald idsvc` may make once it
 * serves: its seccomp allow-list (sandbox.h). idsvc holds the CI key and
 * only answers: it needs nothing beyond serving HTTP
 * (src/lib/service_syscalls.c), so it cannot open a file to write, make
 * a socket or connect anywhere: whatever runs in it has no way to send
 * the key out but the answers it gives. */
#include "idsvc.h"

const sandbox_list idsvc_syscalls = {.role = "idsvc", .also = {&service_syscalls}};
