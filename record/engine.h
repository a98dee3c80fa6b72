/* engine.h: what the hooks (preload.c) need from the recording engine (engine.c). */
#ifndef MTR_ENGINE_H
#define MTR_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#define MTR_EXPORT __attribute__((visibility("default")))

/* The calling thread's recorder state; initial-exec TLS, so touching it never allocates. */
/* An event of a signal handler that interrupted the engine: recorded when it is done. */
struct mtr_pending {
	uint64_t seq, addr, size;
	uint8_t op;
};
#define MTR_PENDING 8

struct mtr_tls {
	int busy;  /* inside the engine: the recorder's own allocations pass through */
	unsigned npending; /* entries of pending, filled by signal handlers (preload.c) */
	struct mtr_pending pending[MTR_PENDING];
	int state; /* 0 no ring yet, 1 ring held, 2 this thread records nothing */
	struct mtr_slot *slot;
	uint8_t *data;
	uint64_t head, tail_cache;
	uint64_t last_seq; /* of the last event in this ring (0: none yet): EVENT_SHORT's base */
	uint64_t *stack_cache; /* hashes of stacks this thread already sent */
	uint32_t tid;
	/* a raw clone() with CLONE_VM and no CLONE_THREAD shares this TLS with its child:
	 * from then on, a hook called by another tid is the child's (preload.c) */
	int clone_shared;
	/* --sample-stacks: bytes this thread allocates before its next sampled stack (drawn
	 * from an exponential distribution), and its generator's state (0: not seeded) */
	uint64_t sample_left, sample_rng;
};
extern __thread struct mtr_tls mtr_tls __attribute__((tls_model("initial-exec")));

extern int mtr_on; /* recording in this process */
/* mtrec -p loaded the library into a running process (engine.c: mtrec_impl_attach): the
 * hooks are reached through patched imports, the real functions are the global scope's */
extern int mtr_attached;
/* A raw clone() gave another process this one's memory (CLONE_VM without CLONE_THREAD):
 * the exit scan cannot read memory directly even when this process has one thread. */
extern int mtr_vm_shared;
/* Attached: whether mtrec has detached (the hooks then pass through, mtr_on is 0). */
int mtr_detach_due(void);
/* Attached: points every loaded module's imports of the hooked functions at the hooks
 * (preload.c, through rebind.c). */
void mtr_attach_hooks(void);

void mtr_init(void);
/* For an exec whose environment envp may have lost the recorder (env -i, execle with a
 * list of its own): 0 when envp will do; else the bytes of a buffer for mtr_exec_env, and
 * *entries the entries of envp (out needs room for *entries + 3). */
size_t mtr_exec_env_size(char *const *envp, size_t *entries);
/* envp with MTREC_SHM and the library in LD_PRELOAD put back, in out and buf. */
char *const *mtr_exec_env(char *const *envp, char **out, char *buf);
void mtr_count_lost(struct mtr_tls *t); /* an event that could not be recorded */
int mtr_init_done(void); /* mtr_init ran to its end, recording or not */
uint64_t mtr_take_seq(void);
/* Records one event; op is MTF_OP_MAKE(kind, func). stack: whether to unwind. */
void mtr_event(struct mtr_tls *t, uint64_t seq, uint8_t op, uint32_t device, uint32_t space,
	       uint64_t addr, uint64_t size, int stack);
/* --sample-stacks: the mean bytes between sampled allocations, 0 when every allocation
 * takes its stack. */
extern uint64_t mtr_sample_bytes;
/* Starts the countdown of a thread that has none, or draws the next one: returns 1. */
int mtr_sample_draw(struct mtr_tls *t);
/* Whether an allocation of n bytes takes its stack. Sampling by bytes as jemalloc's and
 * tcmalloc's heap profilers do: each thread counts down an exponentially distributed
 * number of bytes, and the allocation that crosses zero is sampled, so one of n bytes is
 * with probability 1 - exp(-n / mean) (the analyzer weighs it by the inverse). A malloc(0)
 * counts as 1 byte: it is a block too. No lock, no division on the common path. */
static inline int mtr_sampled(struct mtr_tls *t, uint64_t n)
{
	if (__builtin_expect(!mtr_sample_bytes, 1))
		return 1;
	if (__builtin_expect(!t->sample_rng, 0))
		mtr_sample_draw(t);
	n += !n;
	if (__builtin_expect(n < t->sample_left, 1)) {
		t->sample_left -= n;
		return 0;
	}
	return mtr_sample_draw(t);
}
/* Frees carry stacks only with --free-stacks. */
int mtr_free_stacks(void);
void mtr_thread_named(const char *name);
/* The exit scan (scan.c): whether this process scans when it ends (recording, no
 * --no-scan, and not a vfork child borrowing its parent's memory), and one part of it
 * written to the calling thread's ring (0, or -1 when it cannot be). */
int mtr_scan_wanted(void);
int mtr_scan_part(uint64_t seq, uint32_t part, uint64_t a, const uint64_t *v, uint32_t n);
/* The same, n items the scan encoded itself (mtf_scan_encode's bytes, a = 0). */
int mtr_scan_encoded(uint64_t seq, uint32_t part, const uint8_t *enc, size_t bytes, uint32_t n);
/* Scans the process's memory once, at its end: at is MTF_SCAN_AT_*. */
void mtr_scan_at(int at);
void mtr_modules_rescan(void);
/* Copies this process's /tmp/perf-PID.map (a JIT's names for its code) into the trace,
 * once, at its end. */
void mtr_perf_map(void);
/* Raw clone() (preload.c): the parent before it; the child, a copy of the parent's
 * memory (no CLONE_VM), first thing, to join the trace as a process of its own. */
void mtr_clone_prepare(void);
void mtr_clone_child(void);
/* Gives the calling thread its ring if it has none; 1 when it records. */
int mtr_thread_ready(void);

/* Libraries opened with RTLD_DEEPBIND (rebind.c): the load addresses of the objects
 * loaded before the dlopen go into seen (returns how many); after it, the imports of tab's
 * functions that bypass the hooks are pointed at them, in every object but self's. */
struct mtr_rebind {
	const char *name;
	uintptr_t hook, real;
};
size_t mtr_rebind_before(uintptr_t *seen, size_t cap);
void mtr_rebind_after(const uintptr_t *seen, size_t nseen, const struct mtr_rebind *tab, size_t n,
		      const void *self);
/* Attach: every object's imports of tab's functions (and its references to its own
 * definitions of them) that hold the real functions or lazy stubs, pointed at the hooks. */
void mtr_rebind_all(const struct mtr_rebind *tab, size_t n, const void *self);
#endif
