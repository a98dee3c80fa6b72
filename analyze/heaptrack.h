/* heaptrack.h: heaptrack's files for mtan import (heaptrack.c). */
#ifndef MTAN_HEAPTRACK_H
#define MTAN_HEAPTRACK_H


/* ---- heaptrack.c: heaptrack's files for `mtan import` ---- */
/* 1 when path is a heaptrack file (zstd, gzip or plain text whose first line is its
 * version line), else 0. */
int mtan_is_heaptrack(const char *path);
/* Writes the database out (renamed into place when whole) from the heaptrack file in: its
 * events, its stacks and the names heaptrack gave their frames. 0, or 1 (told). */
int mtan_import_heaptrack(const char *in, const char *out, int quiet);


#endif
