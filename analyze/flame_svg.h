/* flame_svg.h: a flame graph drawn as inline SVG, for the report (flame_svg.c). */
#ifndef MTAN_FLAME_SVG_H
#define MTAN_FLAME_SVG_H

#include "flame.h"

#include <stdio.h>

/* fl (mtan_flame_build's) as a <figure>: title and its total bytes, then the graph, or the
 * line none (already HTML) when it holds no bytes. */
void mtan_flame_svg(FILE *f, const struct mtan_flame *fl, const char *title, const char *none);
/* The click-to-zoom script, once after the page's flame graphs. */
void mtan_flame_svg_script(FILE *f);

#endif
