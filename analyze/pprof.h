/* pprof.h: the pprof export (pprof.c). */
#ifndef MTAN_PPROF_H
#define MTAN_PPROF_H

#include <sqlite3.h>
#include <stdio.h>
#include "opts.h"

/* ---- exports (`mtan export --as FORMAT`), one file each; f is borrowed. 0, or -1
 * (reported) ---- */
/* pprof.c: a gzip-compressed profile.proto: per allocation stack (and process, device,
 * space) the objects and bytes allocated, the bytes live at the peak and leaked. */
int mtan_export_pprof(sqlite3 *db, const struct mtan_opts *o, FILE *f);

#endif
