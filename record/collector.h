/* collector.h: the mtrec side of the shared memory: drains every thread's ring, interns
 * stacks, samples RSS, and writes the trace through formats/ (encoder + zstd). */
#ifndef MTR_COLLECTOR_H
#define MTR_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

struct mtr_collector;

struct mtr_collect_opts {
	uint32_t depth; /* stack depth, 0 = none */
	uint32_t opts;  /* MTR_OPT_* */
	int level;      /* zstd level */
	uint64_t sample_bytes; /* --sample-stacks: mean bytes between stacks; 0 every allocation */
};

/* Creates the shared memory (private to this user) and starts the trace on out_fd (the
 * caller keeps the fd). Returns NULL and sets *err (an errno or mtf status) on failure. */
struct mtr_collector *mtr_collector_new(int out_fd, const struct mtr_collect_opts *o, int *err);
/* The path of the shared memory file, for MTREC_SHM. */
const char *mtr_collector_shm_path(const struct mtr_collector *c);
/* Names the first traced process; called in the child before it execs the program. */
void mtr_collector_set_root(struct mtr_collector *c, uint32_t pid);
/* Writes the header once the program's pid and command line are known. */
int mtr_collector_start(struct mtr_collector *c, uint32_t pid, int argc, char **argv);
/* Drains what the rings hold now, samples RSS and closes a frame when due. Returns the
 * work done: records consumed, each exit scan item counted as one more (a pass over a
 * ring of scan records is as busy as one over a ring of events: come back at once). */
uint64_t mtr_collector_poll(struct mtr_collector *c);
/* mtrec -p: tells the recorder in the processes to stop (their hooks pass everything
 * through from now on); finish then gives back the rings' memory they still map. */
void mtr_collector_detach(struct mtr_collector *c);
/* The recorded processes not known to have ended. */
size_t mtr_collector_live_processes(const struct mtr_collector *c);
/* A traced process was reaped with this wait status. */
void mtr_collector_exited(struct mtr_collector *c, uint32_t pid, int status);
/* Drains everything, writes the end record, flushes; removes the shared memory. */
int mtr_collector_finish(struct mtr_collector *c);
/* After finish: the figures of the summary line, and the first write error (0: none). */
void mtr_collector_totals(const struct mtr_collector *c, uint64_t *events, uint64_t *processes,
			  uint64_t *threads, uint64_t *bytes, uint64_t *lost, int *write_err);
void mtr_collector_free(struct mtr_collector *c);
#endif
