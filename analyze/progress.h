/* progress.h: how a load is getting on (progress.c). */
#ifndef MTAN_PROGRESS_H
#define MTAN_PROGRESS_H

#include <stdint.h>

/* ---- progress.c: how a load is getting on, on stderr when it is a terminal ---- */
/* -q turns it off (mtan_parse calls this). */
void mtan_progress_quiet(int quiet);
/* A load of trace starts; nothing shows before it has taken 0.5 s. */
void mtan_progress_start(const char *trace);
/* Where it is: a phase ("reading", "pairing", ...), the fraction of the whole load done
 * (< 0: unknown; the time left is estimated from it) and the events read so far (0: leave
 * out). Cheap when nothing is to be drawn. */
void mtan_progress(const char *phase, double fraction, uint64_t events);
/* The load ended: the line, if one was drawn, is cleared. */
void mtan_progress_end(void);


#endif
