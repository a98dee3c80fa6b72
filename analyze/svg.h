/* svg.h: the report's charts as SVG (svg.c). */
#ifndef MTAN_SVG_H
#define MTAN_SVG_H

#include <sqlite3.h>
#include <stdio.h>
#include "opts.h"

/* svg.c: the report's section of charts of live bytes (every process, device and space)
 * and its table of marks, written to f. 0 or -1 (reported). */
int mtan_svg_timeline(sqlite3 *db, const struct mtan_opts *o, FILE *f);

#endif
