/* mtf: the mtrec trace format, shared by the recorder (writer) and the analyzer (reader).
 * This library never prints, exits or aborts: every function returns a status and the
 * programs decide what to tell the user. The format itself is specified in FORMAT.md. */
#ifndef MTF_H
#define MTF_H

#include <stddef.h>
#include <stdint.h>

#define MTF_VERSION 1
#define MTF_MAGIC "MTRACE"          /* 6 bytes at the start of the HEADER record */
#define MTF_MAX_RECORD (16u << 20)  /* no record payload is larger */
#define MTF_MAX_FRAME (64u << 20)   /* no frame decompresses to more (the writer: ~256 KiB) */
#define MTF_MAX_STRING (1u << 20)
#define MTF_MAX_FRAMES 1024         /* frames per stack */
#define MTF_HOST 0xFFFFFFFFu        /* the traced process's own memory as a device */

enum mtf_type {
	MTF_HEADER = 1,
	MTF_PROCESS = 2,
	MTF_PROCESS_EXIT = 3,
	MTF_THREAD = 4,
	MTF_MODULE = 5,
	MTF_STACK = 6,
	MTF_EVENTS = 7,
	MTF_DEVICE = 8,
	MTF_SPACE = 9,
	MTF_MARK = 10,
	MTF_LOSS = 11,
	MTF_RSS = 12,
	MTF_END = 13,
	MTF_SCAN = 14,
	MTF_DEVICE_READY = 15, /* u.device: pid, seq, time_ns, device (close, name, capacity unused) */
	MTF_CLOCK = 16,
	MTF_PERF_MAP = 17, /* a process's /tmp/perf-PID.map entry: JIT code's name */
	MTF_TYPE_MAX = 17
};

/* Event op byte: bit 0 kind, bits 1-3 the function, bit 4 device/space present,
 * bit 5 stack present. Stored verbatim in the trace. */
enum mtf_kind { MTF_ALLOC = 0, MTF_FREE = 1 };
enum mtf_func {
	MTF_FN_MALLOC = 0,   /* malloc / free */
	MTF_FN_CALLOC = 1,
	MTF_FN_REALLOC = 2,  /* the free and the alloc halves of a realloc */
	MTF_FN_MEMALIGN = 3, /* posix_memalign, aligned_alloc, memalign, valloc, pvalloc */
	MTF_FN_CLIENT = 4,   /* the client API (mtrec_alloc / mtrec_free) */
	MTF_FN_NEW = 5,      /* reserved: operator new / delete */
	MTF_FN_MAX = 7
};
#define MTF_OP_KIND(op) ((op) & 1u)
#define MTF_OP_FUNC(op) (((op) >> 1) & 7u)
#define MTF_OP_DEV 0x10u
#define MTF_OP_STACK 0x20u
#define MTF_OP_MAKE(kind, func) ((uint8_t)(((kind) & 1u) | (((func) & 7u) << 1)))

typedef struct mtf_event {
	uint64_t seq;
	uint64_t time_ns; /* since the header's clock base (monotonic) */
	uint64_t addr;
	uint64_t size;    /* allocs only; 0 for frees */
	uint32_t device;  /* MTF_HOST for the malloc heap */
	uint32_t space;   /* 0 = the malloc heap on MTF_HOST */
	uint32_t stack;   /* 0 = no stack */
	uint8_t op;       /* see MTF_OP_* */
} mtf_event;

/* PROCESS_EXIT's code when the process ended without the recorder learning how (its
 * parent reaped it first) */
#define MTF_EXIT_UNKNOWN (-2)

typedef struct mtf_str {
	const char *s; /* NUL-terminated; borrowed (see the functions that return it) */
	uint32_t len;
} mtf_str;

typedef struct mtf_record {
	int type;
	union {
		struct {
			uint32_t version;
			mtf_str host;
			uint32_t pid;          /* the launched program */
			mtf_str cmdline;       /* argv joined with single spaces */
			uint64_t realtime_ns;  /* wall clock at time 0 */
			uint64_t flags;        /* MTF_FLAG_* */
			uint64_t sample_bytes; /* MTF_FLAG_SAMPLED_STACKS: the sampling mean; else 0 */
		} header;
		struct {
			uint32_t pid, ppid;
			uint64_t seq, time_ns;
			mtf_str exe, cmdline;
			uint32_t how; /* MTF_PROC_EXEC: a new image (first start or exec: the
				       * pid's earlier heap is gone); MTF_PROC_FORK: a copy of
				       * ppid's heap as it was at seq */
		} process;
		struct {
			uint32_t pid;
			uint64_t seq, time_ns;
			int32_t code;   /* exit code, -1 when killed, MTF_EXIT_UNKNOWN */
			int32_t signal; /* killing signal, or 0 */
		} process_exit;
		struct {
			uint32_t pid, tid;
			uint64_t seq, time_ns;
			mtf_str name;
		} thread;
		struct {
			uint32_t pid;
			uint64_t seq;
			uint32_t unload; /* 0 load, 1 unload */
			uint64_t base, size;
			mtf_str path, build_id; /* build_id: raw bytes, len may be 0 */
		} module;
		struct {
			uint32_t pid, id;
			uint32_t n;
			const uint64_t *frames; /* innermost first; borrowed */
		} stack;
		struct {
			uint32_t pid, tid;
			uint32_t n;
			const mtf_event *ev; /* borrowed */
		} events;
		struct {
			uint32_t pid;
			uint64_t seq, time_ns;
			uint32_t close; /* 0 open, 1 close (DEVICE only) */
			uint32_t device;
			mtf_str name;
			uint64_t capacity; /* 0 = unknown */
		} device;
		struct {
			uint32_t pid, id;
			mtf_str name;
		} space;
		struct {
			uint32_t pid, tid;
			uint64_t seq, time_ns;
			mtf_str label;
		} mark;
		struct {
			uint32_t pid, tid;
			uint64_t seq, count;
		} loss;
		struct {
			uint32_t pid;
			uint64_t time_ns, rss_bytes;
		} rss;
		struct {
			uint64_t events, lost, processes, threads;
		} end;
		struct {
			uint32_t pid;
			uint64_t seq, time_ns; /* seq: taken when the scan began, the same in every part */
			uint32_t part;         /* MTF_SCAN_* */
			uint64_t a;            /* BEGIN: MTF_SCAN_AT_*; DONE: words written in all */
			uint32_t n;            /* items of mtf_scan_width(part) values */
			const uint64_t *v;     /* n * width values; borrowed */
		} scan;
		struct {
			uint32_t pid;
			uint64_t seq;          /* when the map was read (the process's end) */
			uint64_t start, size;  /* the code's address range */
			mtf_str name;          /* as the runtime wrote it, e.g. "py::f:/app/x.py" */
		} perf_map;
		struct {
			uint64_t seq;     /* the counter's value: seqs <= it were taken by then */
			uint64_t time_ns; /* the clock, read just before the counter */
		} clock;
	} u;
} mtf_record;

/* MTF_PROC_ATTACH: the process was running before the recorder attached (mtrec -p) at
 * seq; the blocks it held then are not in the trace */
enum { MTF_PROC_EXEC = 0, MTF_PROC_FORK = 1, MTF_PROC_ATTACH = 2 };

/* SCAN parts (FORMAT.md): the memory a process held when it ended, for leak kinds. */
enum { MTF_SCAN_BEGIN = 0, MTF_SCAN_REGIONS = 1, MTF_SCAN_WORDS = 2, MTF_SCAN_DONE = 3,
       MTF_SCAN_HEADS = 4, MTF_SCAN_VTABLES = 5, MTF_SCAN_PART_MAX = 5 };
enum { MTF_SCAN_AT_EXIT = 0, MTF_SCAN_AT__EXIT = 1 }; /* exit() or return from main; _exit() */
/* REGIONS flags */
#define MTF_REGION_ARENA 1u /* the allocator's own memory ([heap], a malloc arena): never a root */
#define MTF_REGION_STACK 2u /* a thread's stack (the scanning thread's: from its stack pointer) */
#define MTF_REGION_ANON 4u  /* anonymous memory: where heap blocks can be */
#define MTF_SCAN_MAX_ITEMS (1u << 20) /* items in one SCAN record */
static inline unsigned mtf_scan_width(uint32_t part)
{
	return part == MTF_SCAN_REGIONS ? 3 : part == MTF_SCAN_WORDS ? 2 : part == MTF_SCAN_HEADS ? 4
	       : part == MTF_SCAN_VTABLES ? 1 : 0;
}

#define MTF_FLAG_STACKS 1u
#define MTF_FLAG_LOSSY 2u
#define MTF_FLAG_FREE_STACKS 4u
#define MTF_FLAG_PRECISE_TIME 8u /* each event read a clock; else the collector's clock (<= ~1 ms) */
#define MTF_FLAG_NO_SCAN 16u     /* mtrec --no-scan: no process's memory was scanned at its end */
#define MTF_FLAG_ATTACHED 32u    /* mtrec -p: attached to a running process (PROCESS how ATTACH) */
/* mtrec --sample-stacks: only a sample of the allocations have a stack, each allocated byte
 * sampled with probability 1/sample_bytes (HEADER's sample_bytes, then present) */
#define MTF_FLAG_SAMPLED_STACKS 64u

/* Status codes: 0 is success; negative values are -errno or one of these. */
enum {
	MTF_E_BASE = -10000,
	MTF_E_ZSTD = -10001,      /* zstd reported damage */
	MTF_E_TRUNC = -10002,     /* the file ends inside a frame */
	MTF_E_BADREC = -10003,    /* a record is malformed */
	MTF_E_MAGIC = -10004,     /* not an mtrec trace */
	MTF_E_VERSION = -10005,   /* written by a newer format version */
	MTF_E_TOOBIG = -10006,    /* a length or count over its limit */
	MTF_E_NOMEM = -10007,
	MTF_E_NOTZSTD = -10008,   /* not a zstd file at all */
	MTF_E_CONCAT = -10009,    /* a second HEADER opens a frame: another trace follows (cat a b) */
};
/* Static text for a status code; never NULL. */
const char *mtf_strerror(int err);

/* A count for people, as mtrec's summary and mtan's tables write it: 1234567 ->
 * "1,234,567". buf needs 32 bytes; returns buf. */
char *mtf_count(char *buf, uint64_t n);

/* ---- varints (exposed for the recorder's ring encoding and tests) ---- */
size_t mtf_put_varint(uint8_t *p, uint64_t v); /* writes at most 10 bytes */
/* -(sign bit) rather than v >> 63: a right shift of a negative value is implementation-defined */
static inline uint64_t mtf_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ -((uint64_t)v >> 63); }
static inline int64_t mtf_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

/* One varint at o, returning the byte after it. */
static inline uint8_t *mtf_varint_at(uint8_t *o, uint64_t z)
{
	while (z >= 0x80) {
		*o++ = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	*o++ = (uint8_t)z;
	return o;
}

/* A SCAN record's n items of width values as the file holds them (FORMAT.md): column by
 * column, each value a zigzag varint of its delta from the item above it (from 0). out
 * holds n * width * 10 bytes; returns the bytes written. Inline: the recorder's library
 * encodes its exit scan as it goes (a third of the bytes through the ring) without
 * linking the writer. */
static inline size_t mtf_scan_encode(uint8_t *out, const uint64_t *v, uint32_t n, unsigned width)
{
	uint8_t *o = out;
	if (width == 2) { /* WORDS, nearly all of a scan: two columns in registers */
		uint64_t p0 = 0, p1 = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t a = v[2 * (size_t)i], b = v[2 * (size_t)i + 1];
			o = mtf_varint_at(o, mtf_zigzag((int64_t)(a - p0)));
			o = mtf_varint_at(o, mtf_zigzag((int64_t)(b - p1)));
			p0 = a;
			p1 = b;
		}
		return (size_t)(o - out);
	}
	uint64_t prev[4] = {0, 0, 0, 0};
	for (uint32_t i = 0; i < n; i++)
		for (unsigned k = 0; k < width && k < 4; k++) {
			uint64_t x = v[(size_t)i * width + k];
			o = mtf_varint_at(o, mtf_zigzag((int64_t)(x - prev[k])));
			prev[k] = x;
		}
	return (size_t)(o - out);
}

/* ---- writer ---- */
typedef struct mtf_writer mtf_writer;
/* fd stays the caller's: the writer never closes it. level is zstd's (1 is fast). */
int mtf_writer_new(mtf_writer **out, int fd, int level);
/* Appends one record (any type but MTF_EVENTS, which goes through mtf_writer_events). */
int mtf_writer_put(mtf_writer *w, const mtf_record *r);
/* Appends r, a SCAN record whose items (r->u.scan.v is not read) come encoded by
 * mtf_scan_encode: len bytes that must hold exactly r->u.scan.n * width varints, else
 * MTF_E_BADREC and nothing is written. */
int mtf_writer_scan_encoded(mtf_writer *w, const mtf_record *r, const uint8_t *items, size_t len);
/* Appends a chunk of events of one thread. */
int mtf_writer_events(mtf_writer *w, uint32_t pid, uint32_t tid, const mtf_event *ev, uint32_t n);
/* Closes the current zstd frame and writes it out, so everything so far survives. */
int mtf_writer_flush(mtf_writer *w);
/* Bytes written to fd so far. */
uint64_t mtf_writer_bytes(const mtf_writer *w);
/* Flushes nothing: call mtf_writer_flush first if wanted. Accepts NULL. */
void mtf_writer_free(mtf_writer *w);

/* ---- reader ---- */
typedef struct mtf_reader mtf_reader;
/* Opens path for reading. Returns 0 or a status; *out is NULL on failure. */
int mtf_reader_open(mtf_reader **out, const char *path);
/* Same over a memory buffer (borrowed until mtf_reader_free): for tests and fuzzing. */
int mtf_reader_open_mem(mtf_reader **out, const void *buf, size_t len);
/* Next record: 1 and *rec filled (its pointers borrowed until the next call), 0 at the
 * end of the file, or a status < 0. After an error every later call returns it again.
 * Records are only ever returned from frames that decompressed completely and whose
 * checksum matched, so a damaged or truncated tail costs at most its last frame. */
int mtf_reader_next(mtf_reader *r, mtf_record *rec);
/* Compressed offset of the end of the last complete frame, and of the failure. */
uint64_t mtf_reader_good_offset(const mtf_reader *r);
uint64_t mtf_reader_bad_offset(const mtf_reader *r);
uint64_t mtf_reader_file_size(const mtf_reader *r);
/* Live mode, for a trace that is still being written: where the file ends inside a frame
 * (the writer is writing it), next() waits for the rest, rereading every 20 ms for up to
 * wait_ms, and when it has not come returns 0 as at the end instead of MTF_E_TRUNC. After
 * a 0, a later next() looks again from there: call it again to follow the file. Files
 * only (0, or -EINVAL for a reader over memory). */
int mtf_reader_set_live(mtf_reader *r, unsigned wait_ms);
/* Whether the END record was seen (the writer finished cleanly). */
int mtf_reader_complete(const mtf_reader *r);
void mtf_reader_free(mtf_reader *r);

#endif
