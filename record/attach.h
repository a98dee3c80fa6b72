/* attach.h: mtrec -p: loading the recorder into a running process (attach.c). */
#ifndef MTR_ATTACH_H
#define MTR_ATTACH_H

#include <stddef.h>
#include <sys/types.h>

/* Loads lib (an absolute path) into process pid and starts it recording into the shared
 * memory at shm_path. 0 when it records; else -1 and why (for "cannot attach to PID: ...",
 * no final full stop) in why[0..cap). The process runs on unharmed either way. */
int mtr_attach(pid_t pid, const char *lib, const char *shm_path, char *why, size_t cap);
#endif
