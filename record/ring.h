/* ring.h: the shared memory between the traced processes (libmtrec.so, producers) and
 * the mtrec collector (consumer). One file mapped by every traced process: a header with
 * the global sequence counter, then fixed slots of single-producer/single-consumer rings,
 * one per thread. The app's threads never lock, compress or do I/O: they copy fixed-size
 * records into their own ring and publish them with one release store. */
#ifndef MTR_RING_H
#define MTR_RING_H

#include <stdatomic.h>
#include <stdint.h>

#define MTR_SHM_MAGIC 0x314d485352544dULL /* "MTRSHM1" */
#define MTR_SHM_VERSION 4
#define MTR_NRINGS 2048
#define MTR_RING_BYTES (4u << 20) /* per thread, a power of two: ~87,000 events of slack
				   * while the collector is off the CPU (pages are
				   * touched only as a thread fills its ring) */
#define MTR_MAX_DEPTH 256
#define MTR_MAX_STR 4096 /* longest string a ring record carries (longer is cut) */

enum mtr_slot_state {
	MTR_SLOT_FREE = 0,
	MTR_SLOT_OWNED = 1,  /* a live thread writes here */
	MTR_SLOT_CLOSED = 2, /* the thread ended: drain, then free */
};

/* Flags the launcher sets for every traced process. */
#define MTR_OPT_LOSSY 1u
#define MTR_OPT_NO_FOLLOW 2u
#define MTR_OPT_FREE_STACKS 4u
#define MTR_OPT_PRECISE_TIME 8u
#define MTR_OPT_NO_SCAN 16u
#define MTR_OPT_ATTACH 32u /* mtrec -p: the process was running before (PROCESS how ATTACH) */

struct mtr_slot {
	_Atomic uint32_t state;
	uint32_t pid, tid;
	_Atomic uint64_t lost;  /* records dropped in --lossy mode */
	_Alignas(64) _Atomic uint64_t head; /* producer: bytes published (monotonic) */
	_Alignas(64) _Atomic uint64_t tail; /* consumer: bytes consumed (monotonic) */
	char pad[56];
};

struct mtr_shm {
	uint64_t magic;
	uint32_t version, nrings;
	uint64_t ring_bytes;
	uint64_t data_off; /* offset of ring 0's bytes from the start of the mapping */
	uint64_t t0_ns;    /* CLOCK_MONOTONIC at the start: times are relative to it */
	uint64_t use_tsc;  /* --precise-time: producers stamp rdtsc ticks (constant TSC) */
	uint64_t precise;  /* --precise-time: producers read a clock per event */
	uint32_t collector_pid;
	uint32_t root_pid;
	uint32_t opts;      /* MTR_OPT_* */
	uint32_t depth;     /* stack depth; 0 = no stacks */
	uint64_t sample_bytes; /* --sample-stacks: the mean bytes between sampled stacks; 0 all */
	_Atomic uint32_t disabled; /* set by the collector when it stops (disk full, and the
				    * detach of mtrec -p): the hooks pass everything through */
	_Atomic uint32_t hint;     /* where the next slot search starts */
	_Atomic uint32_t hwm;      /* slots at or above this were never used */
	_Alignas(64) _Atomic uint64_t seq; /* the global sequence counter, on its own line */
	/* The collector's clock (ns since t0), republished at every pass (~1 ms apart,
	 * less while the rings fill fast): by default producers stamp events with it, one load
	 * instead of a 14-35 ns clock read. Order is by seq; time is for people and rates. */
	_Alignas(64) _Atomic uint64_t coarse_ns;
	_Alignas(64) struct mtr_slot slot[MTR_NRINGS];
};

static inline uint64_t mtr_shm_size(void)
{
	return sizeof(struct mtr_shm) + (uint64_t)MTR_NRINGS * MTR_RING_BYTES;
}

/* Records in a ring: 8-byte aligned, never split across the ring's end (a PAD record
 * fills the rest instead). */
enum mtr_rec_type {
	MTR_R_PAD = 0,
	MTR_R_EVENT = 1,
	MTR_R_PROCESS = 2,
	MTR_R_THREAD = 3,
	MTR_R_MODULE = 4,
	MTR_R_DEVICE = 5,
	MTR_R_SPACE = 6,
	MTR_R_MARK = 7,
	MTR_R_EXIT = 8,
	MTR_R_SCAN = 9,
	MTR_R_PERF_MAP = 10,
	MTR_R_EVENT_SHORT = 11,
};

struct mtr_rec {
	uint32_t len;  /* bytes including this header, a multiple of 8 */
	uint8_t type;
	uint8_t op;    /* EVENT: MTF_OP_MAKE(kind, func) */
	uint16_t n;    /* EVENT: frames that follow (0: the stack is known by hash) */
	uint64_t seq;
	uint64_t time; /* TSC ticks when shm->tsc_hz is set, else CLOCK_MONOTONIC ns */
};

/* 48 bytes without frames: less for the collector's core to pull across. */
struct mtr_rec_event {
	struct mtr_rec h;
	uint64_t addr, size;
	uint32_t device, space;
	uint64_t frames[]; /* innermost first; the last slot is the stack's hash when n > 0 */
};

/* EVENT lengths: 48 without a stack; 56 with n == 0 and frames[0] the hash of a stack
 * this thread sent before; 48 + (n + 1) * 8 with n frames followed by their hash. */

/* The common event in fewer bytes (a third of the cache lines the producer writes and the
 * collector pulls across): a host heap event without a stack, in a thread whose previous
 * EVENT or EVENT_SHORT had a seq at most 65535 below this one's, without --precise-time.
 * 16 bytes when size is 0 (frees), else 24. No time: the collector stamps it with the clock
 * it had published before the pass that drains it, as a producer would have. */
struct mtr_rec_short {
	uint32_t len;  /* 16 or 24 */
	uint8_t type;  /* MTR_R_EVENT_SHORT */
	uint8_t op;    /* MTF_OP_MAKE(kind, func) */
	uint16_t dseq; /* seq minus the thread's previous event's seq: 1 to 65535 */
	uint64_t addr;
	uint64_t size; /* only when len is 24 */
};

/* Everything else: numbers and up to two strings, laid out as described per type.
 * PROCESS: a=ppid d=how s1=exe s2=cmdline. THREAD: s1=name. MODULE: a=base b=size
 * d=unload s1=path s2=build-id bytes. DEVICE: a=capacity d=device e=0 open, 1 close,
 * 2 ready (DEVICE_READY) s1=name.
 * SPACE: d=id s1=name. MARK: s1=label. EXIT: a=status (as from the program's exit()).
 * PERF_MAP: a=start b=size s1=name (one entry of /tmp/perf-PID.map). */
struct mtr_rec_misc {
	struct mtr_rec h;
	uint64_t a, b;
	uint32_t d, e;
	uint32_t len1, len2;
	char str[]; /* len1 bytes, then len2 bytes */
};

/* SCAN: one part of a process's exit scan (FORMAT.md's SCAN, which the collector writes
 * from it): h.seq the scan's number, part MTF_SCAN_*, n items of mtf_scan_width(part)
 * values, encoded as the file holds them (mtf_scan_encode) in the bytes of enc: about 5
 * bytes a word's (location, value) instead of 16, and nothing left for the collector to
 * do but check the count and copy. */
struct mtr_rec_scan {
	struct mtr_rec h;
	uint32_t part, n;
	uint64_t a;
	uint32_t bytes, pad;
	uint8_t enc[];
};
#define MTR_SCAN_ITEMS 2048 /* WORDS items a ring record carries: 32 KiB */

#endif
