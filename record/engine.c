/* engine.c: the recording engine inside the traced process. It joins the collector's
 * shared memory, gives each thread its own ring, and writes fixed-layout records there:
 * events with their stacks (sent once per thread, then by hash), and the process, thread,
 * module, device, space and mark records. No stdio, no locks and no malloc on the event
 * path; on any failure it stops recording and lets the program run on. */
#include "engine.h"
#include "mtf.h"
#include "ring.h"

#include <assert.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <math.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#define STACK_CACHE 4096 /* per-thread: hashes of stacks already sent (direct-mapped) */
#define MAX_MODULES 1024
#define MAX_SPACES 1024

__thread struct mtr_tls mtr_tls __attribute__((tls_model("initial-exec")));
int mtr_on;

static struct mtr_shm *shm;
static uint64_t ring_mask;
static uint32_t g_depth, g_opts, g_pid;
static uint64_t g_t0;
static uintptr_t self_lo, self_hi; /* libmtrec.so's own code: never part of a stack */
static _Atomic int init_state;     /* 0 not yet, 1 running, 2 done, 3 done and attached */
static uint64_t fork_seq;
/* the forking process, taken before the fork: the child's getppid() names whoever
 * adopted it once the parent has exited, and the child would inherit nothing */
static pid_t fork_parent;
static struct {
	uint64_t hash;
	uint32_t pid;
} spaces[MAX_SPACES];
static uint32_t nspaces;
static atomic_flag spaces_lock = ATOMIC_FLAG_INIT;

static int g_tsc, g_precise;

/* A timestamp. By default the collector's published clock (a load from a line that
 * changes every pass). With --precise-time: TSC ticks (cheaper than the vDSO's
 * clock_gettime; the collector turns them into ns) when the collector found the TSC
 * constant and synchronized, else clock_gettime. */
static inline uint64_t stamp(void)
{
	if (__builtin_expect(!g_precise, 1))
		return atomic_load_explicit(&shm->coarse_ns, memory_order_relaxed);
#if defined(__x86_64__)
	if (g_tsc)
		return __rdtsc();
#endif
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec - g_t0;
}

uint64_t mtr_take_seq(void)
{
	return atomic_fetch_add_explicit(&shm->seq, 1, memory_order_relaxed) + 1;
}

int mtr_free_stacks(void) { return (g_opts & MTR_OPT_FREE_STACKS) != 0; }

uint64_t mtr_sample_bytes;

/* The thread's generator (xorshift64*): seeded from its tid, the clock and where its TLS
 * is, so threads and forked children draw apart. */
static uint64_t sample_next(struct mtr_tls *t)
{
	uint64_t x = t->sample_rng;
	if (!x) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)gettid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_nsec ^
		    ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)t;
		/* splitmix64's finalizer: nearby seeds give unrelated streams */
		x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
		x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
		x ^= x >> 31;
		x += !x;
	}
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->sample_rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

int mtr_sample_draw(struct mtr_tls *t)
{
	/* u uniform in (0, 1]; -ln(u) * mean is exponential with that mean */
	double u = (double)((sample_next(t) >> 11) + 1) * (1.0 / 9007199254740992.0);
	double left = -log(u) * (double)mtr_sample_bytes;
	t->sample_left = left < 1 ? 1 : left > 9e18 ? (uint64_t)9e18 : (uint64_t)left;
	return 1;
}

void mtr_count_lost(struct mtr_tls *t)
{
	if (t->slot)
		atomic_fetch_add_explicit(&t->slot->lost, 1, memory_order_relaxed);
}

static void stop_recording(void)
{
	mtr_on = 0;
}

/* ------------------------------------------------------------------ rings */

/* Waits for room when the ring is full: the default never drops an event. Gives up only
 * when the collector is gone or has stopped. */
static int wait_space(struct mtr_tls *t, uint64_t need)
{
	for (unsigned i = 0;; i++) {
		t->tail_cache = atomic_load_explicit(&t->slot->tail, memory_order_acquire);
		if (need - t->tail_cache <= MTR_RING_BYTES)
			return 1;
		if (g_opts & MTR_OPT_LOSSY) {
			atomic_fetch_add_explicit(&t->slot->lost, 1, memory_order_relaxed);
			return 0;
		}
		if (atomic_load_explicit(&shm->disabled, memory_order_relaxed)) {
			stop_recording();
			return 0;
		}
		if (i < 64) {
			sched_yield();
			continue;
		}
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
		if ((i & 1023) == 0 && kill((pid_t)shm->collector_pid, 0) < 0 && errno == ESRCH) {
			stop_recording();
			return 0;
		}
	}
}

static void *reserve(struct mtr_tls *t, uint32_t len)
{
	/* the smallest record is a free's EVENT_SHORT: 16 bytes, less than a struct mtr_rec */
	assert(len >= 16 && len % 8 == 0 && len <= MTR_RING_BYTES / 2);
	assert(t->head - t->tail_cache <= MTR_RING_BYTES); /* the consumer trails, by a ring at most */
	uint64_t off = t->head & ring_mask;
	uint64_t pad = off + len > MTR_RING_BYTES ? MTR_RING_BYTES - off : 0;
	uint64_t need = t->head + pad + len;
	if (need - t->tail_cache > MTR_RING_BYTES && !wait_space(t, need))
		return NULL;
	if (pad) {
		struct mtr_rec *p = (struct mtr_rec *)(t->data + off);
		p->len = (uint32_t)pad;
		p->type = MTR_R_PAD;
		t->head += pad;
		off = 0;
	}
	return t->data + off;
}

static inline void publish(struct mtr_tls *t, uint32_t len)
{
	assert((t->head & ring_mask) + len <= MTR_RING_BYTES); /* never split: reserve padded */
	t->head += len;
	atomic_store_explicit(&t->slot->head, t->head, memory_order_release);
	/* the lines ahead were last read by the collector's core: ask for them now, so the
	 * next records' stores do not wait for the transfer */
	__builtin_prefetch(t->data + ((t->head + 512) & ring_mask), 1, 3);
}

static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	return (int)n;
}

static void emit_misc(struct mtr_tls *t, int type, uint64_t seq, uint64_t a, uint64_t b, uint32_t d,
		      uint32_t e, const char *s1, size_t l1, const char *s2, size_t l2)
{
	if (t->state != 1)
		return;
	if (l1 > MTR_MAX_STR)
		l1 = MTR_MAX_STR;
	if (l2 > MTR_MAX_STR)
		l2 = MTR_MAX_STR;
	uint32_t len = (uint32_t)((sizeof(struct mtr_rec_misc) + l1 + l2 + 7) & ~(size_t)7);
	struct mtr_rec_misc *r = reserve(t, len);
	if (!r)
		return;
	r->h.len = len;
	r->h.type = (uint16_t)type;
	r->h.n = 0;
	r->h.seq = seq;
	r->h.time = stamp();
	r->a = a;
	r->b = b;
	r->d = d;
	r->e = e;
	r->len1 = (uint32_t)l1;
	r->len2 = (uint32_t)l2;
	if (l1)
		memcpy(r->str, s1, l1);
	if (l2)
		memcpy(r->str + l1, s2, l2);
	publish(t, len);
}

static void emit_thread_name(struct mtr_tls *t, const char *name)
{
	emit_misc(t, MTR_R_THREAD, mtr_take_seq(), 0, 0, 0, 0, name, strlen(name), NULL, 0);
}

static int g_pid_registered; /* this process's PROCESS record went out */

/* "/proc/self/task/TID/comm" without stdio (this runs inside malloc). */
static void comm_path(char *out, uint32_t tid)
{
	char digits[12];
	int n = 0;
	do
		digits[n++] = (char)('0' + tid % 10);
	while ((tid /= 10));
	memcpy(out, "/proc/self/task/", 16);
	out += 16;
	while (n)
		*out++ = digits[--n];
	memcpy(out, "/comm", 6);
}

static void emit_own_name(struct mtr_tls *t)
{
	char path[64], name[64];
	comm_path(path, t->tid);
	int n = read_file(path, name, sizeof name);
	if (n > 0 && name[n - 1] == '\n')
		name[n - 1] = 0;
	emit_thread_name(t, name);
}

static pthread_key_t exit_key;
static int exit_key_ok;

/* Claims a free slot for the calling thread. */
static int thread_start(struct mtr_tls *t)
{
	if (t->state == 2 || !mtr_on)
		return 0;
	if (!t->stack_cache) {
		void *p = mmap(NULL, STACK_CACHE * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			t->state = 2;
			return 0;
		}
		t->stack_cache = p;
	}
	t->tid = (uint32_t)gettid();
	/* lowest free slot first, so the collector's scan stays short */
	for (uint32_t k = 0; k < MTR_NRINGS; k++) {
		struct mtr_slot *s = &shm->slot[k];
		uint32_t expect = MTR_SLOT_FREE;
		if (atomic_load_explicit(&s->state, memory_order_relaxed) != MTR_SLOT_FREE ||
		    !atomic_compare_exchange_strong(&s->state, &expect, 3 /* claiming */))
			continue;
		s->pid = g_pid;
		s->tid = t->tid;
		uint32_t hwm = atomic_load(&shm->hwm);
		while (hwm <= k && !atomic_compare_exchange_weak(&shm->hwm, &hwm, k + 1))
			;
		t->slot = s;
		t->data = (uint8_t *)shm + shm->data_off + (uint64_t)(s - shm->slot) * MTR_RING_BYTES;
		t->head = atomic_load(&s->head);
		t->tail_cache = atomic_load(&s->tail);
		t->last_seq = 0; /* the collector knows no earlier event of this ring's thread */
		atomic_store_explicit(&s->state, MTR_SLOT_OWNED, memory_order_release);
		t->state = 1;
		if (exit_key_ok)
			pthread_setspecific(exit_key, (void *)1);
		if (g_pid_registered)
			emit_own_name(t);
		return 1;
	}
	t->state = 2; /* no slot left: this thread goes unrecorded (the trace says so) */
	return 0;
}

/* A thread that ends gives its ring back; the collector drains it, then frees it. */
static void thread_exit(void *arg)
{
	(void)arg;
	struct mtr_tls *t = &mtr_tls;
	if (t->state == 1) {
		atomic_store_explicit(&t->slot->state, MTR_SLOT_CLOSED, memory_order_release);
		t->slot = NULL;
		t->state = 0;
	}
}

/* ------------------------------------------------------------------ modules */

struct module {
	uintptr_t base, size;
	uint64_t name_hash;
	int seen;
};
static struct module modules[MAX_MODULES];
static int nmodules;
static atomic_flag modules_lock = ATOMIC_FLAG_INIT;
static unsigned long long seen_adds = ~0ull, seen_subs = ~0ull;

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t build_id(const struct dl_phdr_info *info, const unsigned char **out)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		size_t align = ph->p_align == 8 ? 8 : 4;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			size_t name = (nh->n_namesz + align - 1) & ~(align - 1);
			size_t desc = (nh->n_descsz + align - 1) & ~(align - 1);
			const unsigned char *d = p + sizeof(*nh) + name;
			if (d + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(p + sizeof(*nh), "GNU", 4)) {
				*out = d;
				return nh->n_descsz;
			}
			p = d + desc;
		}
	}
	return 0;
}

static int module_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	struct mtr_tls *t = arg;
	uintptr_t hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz > hi)
			hi = info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz;
	if (!hi)
		return 0;
	char exe[4096];
	const char *name = info->dlpi_name;
	if (!name || !*name) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = 0;
		name = exe;
	}
	uint64_t h = hash_str(name);
	for (int i = 0; i < nmodules; i++)
		if (modules[i].base == info->dlpi_addr && modules[i].name_hash == h && modules[i].size == hi) {
			modules[i].seen = 1;
			return 0;
		}
	if (nmodules == MAX_MODULES)
		return 0;
	modules[nmodules++] = (struct module){info->dlpi_addr, hi, h, 1};
	const unsigned char *bid = NULL;
	size_t bidlen = build_id(info, &bid);
	emit_misc(t, MTR_R_MODULE, mtr_take_seq(), info->dlpi_addr, hi, 0, 0, name, strlen(name),
		  (const char *)bid, bidlen);
	return 0;
}

static void modules_scan(struct mtr_tls *t)
{
	while (atomic_flag_test_and_set_explicit(&modules_lock, memory_order_acquire))
		sched_yield();
	for (int i = 0; i < nmodules; i++)
		modules[i].seen = 0;
	dl_iterate_phdr(module_cb, t);
	for (int i = 0; i < nmodules;) {
		if (modules[i].seen) {
			i++;
			continue;
		}
		emit_misc(t, MTR_R_MODULE, mtr_take_seq(), modules[i].base, modules[i].size, 1, 0, "", 0, NULL, 0);
		modules[i] = modules[--nmodules];
	}
	atomic_flag_clear_explicit(&modules_lock, memory_order_release);
}

static int counters_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	unsigned long long *c = arg;
	c[0] = info->dlpi_adds;
	c[1] = info->dlpi_subs;
	return 1;
}

/* Cheap unless a library was loaded or unloaded since the last look. */
static void modules_check(struct mtr_tls *t)
{
	unsigned long long c[2] = {0, 0};
	dl_iterate_phdr(counters_cb, c);
	if (c[0] == seen_adds && c[1] == seen_subs)
		return;
	seen_adds = c[0];
	seen_subs = c[1];
	modules_scan(t);
}

void mtr_modules_rescan(void)
{
	struct mtr_tls *t = &mtr_tls;
	if (mtr_on && (t->state == 1 || thread_start(t)))
		modules_check(t);
}

static int self_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	uintptr_t me = (uintptr_t)arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && me >= lo && me < lo + ph->p_memsz) {
			self_lo = lo;
			self_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ events */

static inline uint64_t hash_frames(const uint64_t *f, int n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
	for (int i = 0; i < n; i++) {
		h = (h ^ f[i]) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ? h : 1;
}

void mtr_event(struct mtr_tls *t, uint64_t seq, uint8_t op, uint32_t device, uint32_t space,
	       uint64_t addr, uint64_t size, int stack)
{
	int saved_errno = errno;
	if (__builtin_expect(t->state != 1, 0) && !thread_start(t))
		goto out;
	uint64_t dseq = seq - t->last_seq;
	if (__builtin_expect(!(stack && g_depth) && device == MTF_HOST && space == 0 && !g_precise &&
			     t->last_seq && dseq - 1 < 65535, 1)) {
		uint32_t slen = size ? 24 : 16;
		struct mtr_rec_short *q = reserve(t, slen);
		if (!q)
			goto out;
		q->len = slen;
		q->type = MTR_R_EVENT_SHORT;
		q->op = op;
		q->dseq = (uint16_t)dseq;
		q->addr = addr;
		if (size)
			q->size = size;
		t->last_seq = seq;
		publish(t, slen);
		goto out;
	}
	uint64_t time = stamp();
	uint64_t frames[MTR_MAX_DEPTH + 1];
	int n = 0, send = 0;
	uint64_t hash = 0;
	if (stack && g_depth) {
		void *buf[MTR_MAX_DEPTH + 16];
		int got = unw_backtrace(buf, (int)g_depth + 16);
		/* the recorder's own frames are never the program's: the hook on top, and those
		 * of hooks the program's code passed through on the way (operator new's) */
		for (int i = 0; i < got && n < (int)g_depth; i++)
			if ((uintptr_t)buf[i] < self_lo || (uintptr_t)buf[i] >= self_hi)
				frames[n++] = (uint64_t)(uintptr_t)buf[i];
		if (n) {
			hash = hash_frames(frames, n);
			send = t->stack_cache[hash & (STACK_CACHE - 1)] != hash;
			if (send)
				modules_check(t); /* new code addresses may come from a new library */
		}
	}
	uint32_t len = (uint32_t)sizeof(struct mtr_rec_event) + (hash ? 8u : 0u) + (send ? (uint32_t)n * 8u : 0u);
	struct mtr_rec_event *r = reserve(t, len);
	if (!r)
		goto out;
	r->h.len = len;
	r->h.type = MTR_R_EVENT;
	r->h.op = op;
	r->h.n = (uint16_t)(send ? n : 0);
	r->h.seq = seq;
	r->h.time = time;
	r->addr = addr;
	r->size = size;
	r->device = device;
	r->space = space;
	t->last_seq = seq;
	if (send) {
		memcpy(r->frames, frames, (size_t)n * 8);
		r->frames[n] = hash;
		t->stack_cache[hash & (STACK_CACHE - 1)] = hash;
	} else if (hash) {
		r->frames[0] = hash;
	}
	publish(t, len);
out:
	errno = saved_errno;
}

int mtr_scan_wanted(void)
{
	return mtr_on && !(g_opts & MTR_OPT_NO_SCAN) && (uint32_t)getpid() == g_pid &&
	       !atomic_load(&shm->disabled);
}

/* Fills the header of r, a SCAN record holding bytes of n encoded items, and publishes it. */
static void scan_publish(struct mtr_tls *t, struct mtr_rec_scan *r, uint64_t seq, uint32_t part, uint64_t a,
			 uint32_t n, size_t bytes)
{
	uint32_t len = (uint32_t)(sizeof(struct mtr_rec_scan) + bytes + 7) & ~7u;
	r->h.len = len;
	r->h.type = MTR_R_SCAN;
	r->h.op = 0;
	r->h.n = 0;
	r->h.seq = seq;
	r->h.time = stamp();
	r->part = part;
	r->n = n;
	r->a = a;
	r->bytes = (uint32_t)bytes;
	r->pad = 0;
	publish(t, len);
}

int mtr_scan_part(uint64_t seq, uint32_t part, uint64_t a, const uint64_t *v, uint32_t n)
{
	struct mtr_tls *t = &mtr_tls;
	if (!mtr_on || (t->state != 1 && !thread_start(t)))
		return -1;
	/* room for the longest encoding; the record takes what it needs of it */
	uint32_t most = (uint32_t)(sizeof(struct mtr_rec_scan) + (size_t)n * mtf_scan_width(part) * 10 + 7) & ~7u;
	struct mtr_rec_scan *r = reserve(t, most);
	if (!r)
		return -1;
	scan_publish(t, r, seq, part, a, n, n ? mtf_scan_encode(r->enc, v, n, mtf_scan_width(part)) : 0);
	return 0;
}

int mtr_scan_encoded(uint64_t seq, uint32_t part, const uint8_t *enc, size_t bytes, uint32_t n)
{
	struct mtr_tls *t = &mtr_tls;
	if (!mtr_on || (t->state != 1 && !thread_start(t)))
		return -1;
	struct mtr_rec_scan *r = reserve(t, (uint32_t)(sizeof(struct mtr_rec_scan) + bytes + 7) & ~7u);
	if (!r)
		return -1;
	memcpy(r->enc, enc, bytes);
	scan_publish(t, r, seq, part, 0, n, bytes);
	return 0;
}

void mtr_thread_named(const char *name)
{
	struct mtr_tls *t = &mtr_tls;
	if (t->state == 1 || thread_start(t))
		emit_thread_name(t, name);
}

/* ------------------------------------------------------------------ processes */

static void register_process(struct mtr_tls *t, uint32_t how, uint64_t seq, pid_t ppid)
{
	if (!thread_start(t))
		return;
	char exe[4096], cmd[MTR_MAX_STR];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	int len = read_file("/proc/self/cmdline", cmd, sizeof cmd);
	while (len > 0 && cmd[len - 1] == 0)
		len--;
	for (int i = 0; i < len; i++)
		if (cmd[i] == 0)
			cmd[i] = ' ';
	emit_misc(t, MTR_R_PROCESS, seq, (uint64_t)ppid, 0, how, 0, exe, strlen(exe), cmd, (size_t)len);
	g_pid_registered = 1;
	emit_own_name(t);
	seen_adds = seen_subs = ~0ull;
	modules_check(t);
}

static void at_prepare(void)
{
	fork_seq = mtr_on ? mtr_take_seq() : 0;
	fork_parent = getpid();
}

static void at_child(void)
{
	struct mtr_tls *t = &mtr_tls;
	t->state = 0;
	t->slot = NULL;
	t->sample_rng = 0; /* the child draws its own countdowns, not its parent's */
	if (t->stack_cache)
		memset(t->stack_cache, 0, STACK_CACHE * sizeof(uint64_t));
	if (!mtr_on)
		return;
	if (g_opts & MTR_OPT_NO_FOLLOW) {
		mtr_on = 0;
		return;
	}
	g_pid = (uint32_t)getpid();
	g_pid_registered = 0;
	/* another thread of the parent may have held these: it does not exist here */
	atomic_flag_clear(&modules_lock);
	atomic_flag_clear(&spaces_lock);
	nmodules = 0; /* the child reports its own module map */
	int busy = t->busy;
	t->busy = 1;
	register_process(t, MTF_PROC_FORK, fork_seq, fork_parent);
	t->busy = busy;
}

/* A raw clone() without CLONE_VM is a fork that runs no atfork handler: the same two
 * steps, called from the clone hook and from the child's first code. */
void mtr_clone_prepare(void) { at_prepare(); }
void mtr_clone_child(void) { at_child(); }

/* ------------------------------------------------------------------ perf maps */

/* Lines of a perf map copied at most: a runtime that keeps compiling writes one per
 * function (node's can reach hundreds of thousands). */
#define PERF_MAP_MAX_ENTRIES (1u << 20)

static uint32_t perf_map_pid;
/* When the recorder started in this image (wall clock, seconds): a map older than that
 * was left by an earlier process with the same pid, and names none of this one's code. */
static time_t perf_map_since;

/* A hex number at *p (no 0x), then one space; 0, or -1 when the line is not one. */
static int perf_hex(const char **p, const char *end, uint64_t *v)
{
	const char *q = *p;
	*v = 0;
	if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
		q += 2;
	const char *digits = q;
	for (; q < end && q - digits < 16; q++) {
		int d = *q >= '0' && *q <= '9' ? *q - '0' : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
			: *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
		if (d < 0)
			break;
		*v = *v << 4 | (uint64_t)d;
	}
	if (q == digits || q >= end || *q != ' ')
		return -1;
	*p = q + 1;
	return 0;
}

/* One line "START SIZE name" (without its newline) into the ring. */
static void perf_map_line(struct mtr_tls *t, uint64_t seq, const char *p, const char *end)
{
	uint64_t start, size;
	if (perf_hex(&p, end, &start) || perf_hex(&p, end, &size) || p >= end)
		return;
	emit_misc(t, MTR_R_PERF_MAP, seq, start, size, 0, 0, p, (size_t)(end - p), NULL, 0);
}

void mtr_perf_map(void)
{
	struct mtr_tls *t = &mtr_tls;
	uint32_t pid = (uint32_t)getpid();
	/* once per process, and not from a vfork child borrowing its parent's memory */
	if (!mtr_on || pid != g_pid || perf_map_pid == pid)
		return;
	perf_map_pid = pid;
	char path[64], buf[16384];
	snprintf(path, sizeof path, "/tmp/perf-%u.map", pid);
	int saved_errno = errno;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int busy = t->busy;
	struct stat st;
	t->busy = 1;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_mtime < perf_map_since ||
	    (t->state != 1 && !thread_start(t)))
		goto out;
	uint64_t seq = mtr_take_seq();
	size_t have = 0, lines = 0;
	int skipping = 0; /* inside a line longer than buf: dropped */
	for (;;) {
		ssize_t got = read(fd, buf + have, sizeof buf - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
		size_t used = 0;
		for (char *nl; (nl = memchr(buf + used, '\n', have - used)); used = (size_t)(nl - buf) + 1) {
			if (!skipping && lines++ < PERF_MAP_MAX_ENTRIES)
				perf_map_line(t, seq, buf + used, nl);
			skipping = 0;
		}
		if (used == 0 && have == sizeof buf) {
			skipping = 1;
			used = have;
		}
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	if (have && !skipping && lines < PERF_MAP_MAX_ENTRIES) /* a last line without its newline */
		perf_map_line(t, seq, buf, buf + have);
out:
	if (fd >= 0)
		close(fd);
	t->busy = busy;
	errno = saved_errno;
}

int mtr_thread_ready(void)
{
	struct mtr_tls *t = &mtr_tls;
	return mtr_on && (t->state == 1 || thread_start(t));
}

/* ------------------------------------------------------------------ exec */

/* What an exec'd program needs to be recorded: "MTREC_SHM=..." and the library's path,
 * kept from the start (set only while following children). */
static char env_shm[4096 + 16], env_lib[4096];

static void keep_env(const char *shm_path)
{
	const char *pre = getenv("LD_PRELOAD");
	size_t n = pre ? strcspn(pre, ": ") : 0; /* mtrec puts the library first */
	if (!n || n >= sizeof env_lib || strlen(shm_path) + 11 > sizeof env_shm)
		return;
	memcpy(env_lib, pre, n);
	env_lib[n] = 0;
	snprintf(env_shm, sizeof env_shm, "MTREC_SHM=%s", shm_path);
}

/* Whether LD_PRELOAD's value list names the library. */
static int names_lib(const char *list)
{
	size_t n = strlen(env_lib);
	for (const char *p = list; *p; p += strspn(p, ": ")) {
		size_t len = strcspn(p, ": ");
		if (len == n && !memcmp(p, env_lib, n))
			return 1;
		p += len;
	}
	return 0;
}

/* Whether the byte at a can be read, without faulting: process_vm_readv on this very
 * process says EFAULT where a load would raise SIGSEGV. A page is readable or not as a
 * whole, so *known (the last page found readable) spares a call per byte. Where the call
 * itself is refused (a seccomp filter: ENOSYS, EPERM) the byte is taken as readable, as
 * the hooks did before. */
static int byte_readable(uintptr_t a, uintptr_t *known)
{
	char c;
	uintptr_t page = a & ~(uintptr_t)4095;
	if (page == *known)
		return 1;
	struct iovec local = {&c, 1}, remote = {(void *)a, 1};
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 1 && errno == EFAULT)
		return 0;
	*known = page;
	return 1;
}

/* Whether envp and every string in it can be read: an exec given a bad pointer must fail
 * with EFAULT as it does without the recorder, not die in the hook that reads it first.
 * Exec is rare and costly: a call per page of the list and of its strings is nothing. */
static int env_readable(char *const *envp)
{
	int saved_errno = errno;
	uintptr_t list_page = 1, str_page = 1; /* no page yet (a page's address is aligned) */
	int ok = 1;
	for (size_t i = 0; envp && ok; i++) {
		/* both ends of the pointer: it may straddle two pages */
		if (!byte_readable((uintptr_t)&envp[i], &list_page) ||
		    !byte_readable((uintptr_t)&envp[i] + sizeof(char *) - 1, &list_page)) {
			ok = 0;
			break;
		}
		const char *s = envp[i];
		if (!s)
			break;
		for (;; s++) {
			if (!byte_readable((uintptr_t)s, &str_page)) {
				ok = 0;
				break;
			}
			if (!*s)
				break;
		}
	}
	errno = saved_errno;
	return ok;
}

size_t mtr_exec_env_size(char *const *envp, size_t *entries)
{
	const char *pre = NULL, *shm_var = NULL;
	size_t n = 0;
	if (!mtr_on || !env_lib[0])
		return 0;
	if (!env_readable(envp)) /* the real call fails with EFAULT: let it */
		return 0;
	for (; envp && envp[n]; n++) {
		if (!strncmp(envp[n], "LD_PRELOAD=", 11))
			pre = envp[n] + 11;
		else if (!strncmp(envp[n], "MTREC_SHM=", 10))
			shm_var = envp[n];
	}
	*entries = n;
	/* another recorder's (a nested mtrec): not ours to change */
	if (shm_var && strcmp(shm_var, env_shm))
		return 0;
	if (shm_var && pre && names_lib(pre))
		return 0;
	return 11 + strlen(env_lib) + 1 + (pre ? strlen(pre) : 0) + 1;
}

char *const *mtr_exec_env(char *const *envp, char **out, char *buf)
{
	const char *pre = NULL;
	size_t k = 0;
	for (size_t i = 0; envp && envp[i]; i++) {
		if (!strncmp(envp[i], "LD_PRELOAD=", 11))
			pre = envp[i] + 11;
		else if (strncmp(envp[i], "MTREC_SHM=", 10))
			out[k++] = envp[i];
	}
	if (pre && names_lib(pre))
		sprintf(buf, "LD_PRELOAD=%s", pre);
	else
		sprintf(buf, "LD_PRELOAD=%s%s%s", env_lib, pre && *pre ? ":" : "", pre ? pre : "");
	out[k++] = buf;
	out[k++] = env_shm;
	out[k] = NULL;
	return out;
}

/* With --no-follow, children must not find the recorder: drop MTREC_SHM from the
 * environment in place (no allocation). */
static void scrub_environ(void)
{
	extern char **environ;
	char **w = environ;
	for (char **r = environ; r && *r; r++)
		if (strncmp(*r, "MTREC_SHM=", 10))
			*w++ = *r;
	if (w)
		*w = NULL;
}

/* Maps the collector's shared memory at path and joins the trace as a process that began
 * how (MTF_PROC_EXEC, or MTF_PROC_ATTACH). 1 when recording; 0 when not (p unmapped). */
static int join(const char *path, uint32_t how)
{
	struct mtr_tls *t = &mtr_tls;
	perf_map_since = time(NULL); /* a perf map older than this is an earlier process's */
	int fd = -1;
	void *p = MAP_FAILED;
	struct stat st;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != getuid() || (uint64_t)st.st_size != mtr_shm_size())
		goto out;
	p = mmap(NULL, mtr_shm_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto out;
	shm = p;
	if (shm->magic != MTR_SHM_MAGIC || shm->version != MTR_SHM_VERSION || shm->disabled)
		goto out;
	ring_mask = MTR_RING_BYTES - 1;
	g_depth = shm->depth > MTR_MAX_DEPTH ? MTR_MAX_DEPTH : shm->depth;
	mtr_sample_bytes = shm->depth ? shm->sample_bytes : 0; /* no stacks: nothing to sample */
	g_opts = shm->opts;
	g_t0 = shm->t0_ns;
	g_tsc = shm->use_tsc != 0;
	g_precise = (shm->opts & MTR_OPT_PRECISE_TIME) != 0;
	g_pid = (uint32_t)getpid();
	dl_iterate_phdr(self_cb, (void *)(uintptr_t)&mtr_init);
	if (g_depth) { /* libunwind sets itself up on first use: do it now, unrecorded */
		void *buf[4];
		unw_backtrace(buf, 4);
	}
	if ((g_opts & MTR_OPT_NO_FOLLOW) && g_pid != shm->root_pid)
		goto out;
	if (g_opts & MTR_OPT_NO_FOLLOW)
		scrub_environ();
	else if (how == MTF_PROC_EXEC)
		keep_env(path);
	exit_key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
	pthread_atfork(at_prepare, NULL, at_child);
	mtr_on = 1;
	register_process(t, how, mtr_take_seq(), getppid());
	if (t->state == 1) {
		/* an exec replaced the image that held these rings: none will write again */
		for (uint32_t i = 0; i < MTR_NRINGS && how == MTF_PROC_EXEC; i++) {
			struct mtr_slot *s = &shm->slot[i];
			uint32_t owned = MTR_SLOT_OWNED;
			if (s != t->slot && s->pid == g_pid)
				atomic_compare_exchange_strong(&s->state, &owned, MTR_SLOT_CLOSED);
		}
	} else {
		mtr_on = 0;
	}
out:
	if (fd >= 0)
		close(fd);
	if (!mtr_on && p != MAP_FAILED && t->state != 1) {
		munmap(p, mtr_shm_size());
		shm = NULL;
	}
	return mtr_on;
}

void mtr_init(void)
{
	struct mtr_tls *t = &mtr_tls;
	int expect = 0;
	if (!atomic_compare_exchange_strong(&init_state, &expect, 1))
		return;
	int busy = t->busy;
	t->busy = 1;
	const char *path = getenv("MTREC_SHM");
	if (path)
		join(path, MTF_PROC_EXEC);
	t->busy = busy;
	atomic_store(&init_state, 2);
}

int mtr_init_done(void)
{
	return atomic_load_explicit(&init_state, memory_order_relaxed) >= 2; /* 3: attached */
}

static void scan_at_exit(void)
{
	mtr_scan_at(MTF_SCAN_AT_EXIT);
}

static void perf_map_at_exit(void)
{
	mtr_perf_map();
}

__attribute__((constructor)) static void ctor(void)
{
	mtr_init();
	/* Registered before the program's start registers ld.so's finalizer, so it runs
	 * after it: after every atexit handler and every library's destructor, as late as
	 * exit code goes (memcheck looks at the final exit). Forked children inherit it. */
	if (mtr_on && !(g_opts & MTR_OPT_NO_SCAN))
		atexit(scan_at_exit);
	/* the runtime's perf map is complete once its own exit code has run */
	if (mtr_on)
		atexit(perf_map_at_exit);
}

/* ------------------------------------------------------------------ attach */

int mtr_attached;
int mtr_vm_shared;

/* mtrec -p (attach.c) calls this in the running process, on a thread it borrowed, after it
 * loaded the library with dlopen: join the collector at shm_path as a process that was
 * already running, then point every loaded module's allocation imports at the hooks
 * (preload.c). 0 when recording; 1 the library was loaded before (it never joins twice:
 * threads keep the rings of the first time); 2 no shared memory; 3 no ring. */
MTR_EXPORT int mtrec_impl_attach(const char *shm_path)
{
	struct mtr_tls *t = &mtr_tls;
	int expect = 2;
	/* a process launched by mtrec has no MTREC_SHM only when it was scrubbed: it ran its
	 * constructor (init_state 2); 3 marks an attach done, once */
	if (!shm_path || mtr_on || shm || !atomic_compare_exchange_strong(&init_state, &expect, 3))
		return 1;
	int busy = t->busy;
	t->busy = 1;
	struct stat st;
	int ret = stat(shm_path, &st) == 0 ? 0 : 2;
	if (!ret) {
		mtr_attached = 1; /* the real functions are the ones in the global scope now */
		ret = join(shm_path, MTF_PROC_ATTACH) ? 0 : shm ? 3 : 2;
	}
	if (!ret) {
		if (!(g_opts & MTR_OPT_NO_SCAN))
			atexit(scan_at_exit);
		mtr_attach_hooks();
	}
	t->busy = busy;
	return ret;
}

int mtr_detach_due(void)
{
	if (!atomic_load_explicit(&shm->disabled, memory_order_relaxed))
		return 0;
	mtr_on = 0; /* from now on the hooks pass everything through */
	return 1;
}

/* ------------------------------------------------------------------ client API */

static int api_enter(struct mtr_tls *t)
{
	if (t->busy)
		return 0;
	if (!mtr_on)
		mtr_init();
	if (!mtr_on)
		return 0;
	t->busy = 1;
	if (t->state != 1 && !thread_start(t)) {
		t->busy = 0;
		return 0;
	}
	return 1;
}

MTR_EXPORT uint64_t mtrec_impl_seq(void)
{
	return mtr_on ? mtr_take_seq() : 0;
}

MTR_EXPORT void mtrec_impl_alloc_seq(uint64_t seq, uint32_t device, uint32_t space, uint64_t addr, uint64_t size)
{
	struct mtr_tls *t = &mtr_tls;
	if (!api_enter(t))
		return;
	mtr_event(t, seq ? seq : mtr_take_seq(), MTF_OP_MAKE(MTF_ALLOC, MTF_FN_CLIENT), device, space, addr, size,
		  mtr_sampled(t, size));
	t->busy = 0;
}

MTR_EXPORT void mtrec_impl_free_seq(uint64_t seq, uint32_t device, uint32_t space, uint64_t addr)
{
	struct mtr_tls *t = &mtr_tls;
	if (!api_enter(t))
		return;
	mtr_event(t, seq ? seq : mtr_take_seq(), MTF_OP_MAKE(MTF_FREE, MTF_FN_CLIENT), device, space, addr, 0,
		  !mtr_sample_bytes); /* sampled: no free has a stack (mtrec --help) */
	t->busy = 0;
}

MTR_EXPORT void mtrec_impl_device_open(uint32_t device, const char *name, uint64_t capacity)
{
	struct mtr_tls *t = &mtr_tls;
	if (!api_enter(t))
		return;
	name = name ? name : "";
	emit_misc(t, MTR_R_DEVICE, mtr_take_seq(), capacity, 0, device, 0, name, strlen(name), NULL, 0);
	t->busy = 0;
}

/* Setup done: the blocks live on the device now are its baseline (ring: DEVICE, e=2). */
MTR_EXPORT void mtrec_impl_device_ready(uint32_t device)
{
	struct mtr_tls *t = &mtr_tls;
	if (!api_enter(t))
		return;
	emit_misc(t, MTR_R_DEVICE, mtr_take_seq(), 0, 0, device, 2, "", 0, NULL, 0);
	t->busy = 0;
}

MTR_EXPORT void mtrec_impl_device_close(uint32_t device)
{
	struct mtr_tls *t = &mtr_tls;
	if (!api_enter(t))
		return;
	emit_misc(t, MTR_R_DEVICE, mtr_take_seq(), 0, 0, device, 1, "", 0, NULL, 0);
	t->busy = 0;
}


MTR_EXPORT uint32_t mtrec_impl_space(const char *name)
{
	struct mtr_tls *t = &mtr_tls;
	if (!name || !api_enter(t))
		return 0;
	uint64_t h = hash_str(name);
	uint32_t id = 0;
	while (atomic_flag_test_and_set_explicit(&spaces_lock, memory_order_acquire))
		sched_yield();
	for (uint32_t i = 0; i < nspaces; i++)
		if (spaces[i].hash == h && spaces[i].pid == g_pid) /* a forked child names anew */
			id = i + 1;
	if (!id && nspaces < MAX_SPACES) {
		spaces[nspaces].hash = h;
		spaces[nspaces].pid = g_pid;
		id = ++nspaces;
		emit_misc(t, MTR_R_SPACE, mtr_take_seq(), 0, 0, id, 0, name, strlen(name), NULL, 0);
	}
	atomic_flag_clear_explicit(&spaces_lock, memory_order_release);
	t->busy = 0;
	return id;
}

MTR_EXPORT void mtrec_impl_mark(const char *label)
{
	struct mtr_tls *t = &mtr_tls;
	if (!label || !api_enter(t))
		return;
	emit_misc(t, MTR_R_MARK, mtr_take_seq(), 0, 0, 0, 0, label, strlen(label), NULL, 0);
	t->busy = 0;
}
