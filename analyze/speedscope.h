/* speedscope.h: the speedscope export (speedscope.c). */
#ifndef MTAN_SPEEDSCOPE_H
#define MTAN_SPEEDSCOPE_H

#include <sqlite3.h>
#include <stdio.h>
#include "opts.h"

/* speedscope.c: speedscope's JSON file format: the leaked bytes and those live at the
 * peak, each a sampled profile of their stacks. */
int mtan_export_speedscope(sqlite3 *db, const struct mtan_opts *o, FILE *f);

#endif
