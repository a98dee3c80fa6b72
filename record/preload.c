/* preload.c: the hooks of libmtrec.so, and nothing else. Each one calls the real function
 * (found with dlsym(RTLD_NEXT), so whatever allocator the app links stays the one used)
 * and reports what happened, taking the sequence number per DESIGN.md's ordering rule:
 * after an address is handed out, before one is given back. */
#include "engine.h"
#include "mtf.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void *(*real_reallocarray)(void *, size_t, size_t);
static int (*real_dlclose)(void *);
static void (*real__exit)(int);
__attribute__((visibility("hidden"))) void *(*mtr_real_dlopen)(const char *, int); /* dlopen's asm */
static int (*real_setname)(pthread_t, const char *);
static int (*real_execve)(const char *, char *const[], char *const[]);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_fexecve)(int, char *const[], char *const[]);
typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
		     char *const[], char *const[]);
static spawn_fn *real_posix_spawn, *real_posix_spawnp;

/* dlsym allocates (its error buffer) before malloc is known: those few bytes come from
 * here and are never returned to anyone's free. */
static _Alignas(64) char boot_arena[64 * 1024];
static _Atomic size_t boot_used;
static _Atomic int resolving;

static void *boot_alloc(size_t n)
{
	n = (n + 63) & ~(size_t)63;
	size_t off = atomic_fetch_add(&boot_used, n);
	if (off + n > sizeof(boot_arena))
		return NULL;
	return boot_arena + off;
}

static int in_boot(const void *p)
{
	return (const char *)p >= boot_arena && (const char *)p < boot_arena + sizeof(boot_arena);
}

static void resolve(void)
{
	static _Atomic int done;
	if (atomic_load_explicit(&done, memory_order_acquire))
		return;
	int expect = 0;
	if (!atomic_compare_exchange_strong(&resolving, &expect, 1)) {
		while (!atomic_load_explicit(&done, memory_order_acquire))
			; /* another thread is resolving; it takes microseconds */
		return;
	}
	/* preloaded, the next definition after this library's; loaded by mtrec -p (not in the
	 * global scope), the one the program's modules were bound to */
	void *next = mtr_attached ? RTLD_DEFAULT : RTLD_NEXT;
	real_malloc = dlsym(next, "malloc");
	real_free = dlsym(next, "free");
	real_calloc = dlsym(next, "calloc");
	real_realloc = dlsym(next, "realloc");
	real_posix_memalign = dlsym(next, "posix_memalign");
	real_aligned_alloc = dlsym(next, "aligned_alloc");
	real_memalign = dlsym(next, "memalign");
	real_valloc = dlsym(next, "valloc");
	real_pvalloc = dlsym(next, "pvalloc");
	real_dlclose = dlsym(next, "dlclose");
	real__exit = (void (*)(int))dlsym(next, "_exit");
	mtr_real_dlopen = (void *(*)(const char *, int))dlsym(next, "dlopen");
	real_setname = dlsym(next, "pthread_setname_np");
	real_execve = dlsym(next, "execve");
	real_execvpe = dlsym(next, "execvpe");
	real_fexecve = dlsym(next, "fexecve");
	real_posix_spawn = (spawn_fn *)dlsym(next, "posix_spawn");
	real_posix_spawnp = (spawn_fn *)dlsym(next, "posix_spawnp");
	real_reallocarray = dlsym(next, "reallocarray");
	atomic_store_explicit(&done, 1, memory_order_release);
	atomic_store(&resolving, 0);
}

/* Enters a hook: 1 when this call is to be recorded. The engine's own allocations pass
 * through (busy), so does a call nested in a hook before recording began (mtr_init). */
static inline int enter(struct mtr_tls *t)
{
	if (__builtin_expect(!real_malloc, 0)) {
		resolve();
		if (!real_malloc)
			return 0;
	}
	if (__builtin_expect(t->clone_shared, 0) && (uint32_t)gettid() != t->tid) {
		/* a CLONE_VM child on its parent thread's TLS: it has no ring it could write
		 * without corrupting the parent's; its events are counted lost */
		mtr_count_lost(t);
		return 0;
	}
	if (t->busy)
		return t->busy == 2; /* 2: the engine's work of a hook, which a signal may interrupt */
	if (__builtin_expect(!mtr_on, 0)) {
		if (!mtr_init_done()) /* a plain load: processes that do not record pay no more */
			mtr_init();
		if (!mtr_on)
			return 0;
	}
	if (__builtin_expect(mtr_attached, 0) && mtr_detach_due())
		return 0; /* mtrec -p has let go: pass-through from now on */
	return 1;
}

/* Records an event of a hook. busy is set only while the engine records, not across the
 * real call: a signal handler that allocates while the program is inside malloc or free
 * is the program's and is recorded. One that interrupts the engine itself cannot write
 * the ring the engine is writing: its events wait in pending (seq already taken, so their
 * order is kept; without their stacks) and the engine records them when it is done. */
static inline void record(struct mtr_tls *t, uint64_t seq, uint8_t op, void *p, size_t n, int stack)
{
	if (t->busy) {
		unsigned i = t->npending;
		if (i < MTR_PENDING) {
			t->pending[i] = (struct mtr_pending){seq, (uintptr_t)p, n, op};
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			t->npending = i + 1;
		} else {
			mtr_count_lost(t); /* the trace says events were lost */
		}
		return;
	}
	t->busy = 2;
	mtr_event(t, seq, op, MTF_HOST, 0, (uintptr_t)p, n, stack);
	if (__builtin_expect(__atomic_load_n(&t->npending, __ATOMIC_RELAXED) != 0, 0)) {
		/* a handler may add more while these are written: done when none came */
		unsigned done = 0, seen;
		do {
			seen = __atomic_load_n(&t->npending, __ATOMIC_RELAXED);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			for (; done < seen; done++) {
				struct mtr_pending e = t->pending[done];
				t->pending[done].addr = 0; /* no stale pointer for the exit scan */
				mtr_event(t, e.seq, e.op, MTF_HOST, 0, e.addr, e.size, 0);
			}
		} while (!__atomic_compare_exchange_n(&t->npending, &seen, 0, 0, __ATOMIC_SEQ_CST,
						      __ATOMIC_SEQ_CST));
	}
	t->busy = 0;
}

static inline void alloc_done(struct mtr_tls *t, void *p, size_t n, int func)
{
	if (p)
		record(t, mtr_take_seq(), MTF_OP_MAKE(MTF_ALLOC, func), p, n, mtr_sampled(t, n));
}

MTR_EXPORT void *malloc(size_t n)
{
	struct mtr_tls *t = &mtr_tls;
	if (__builtin_expect(!real_malloc, 0) && atomic_load(&resolving))
		return boot_alloc(n);
	if (!enter(t))
		return real_malloc ? real_malloc(n) : boot_alloc(n);
	void *p = real_malloc(n);
	alloc_done(t, p, n, MTF_FN_MALLOC);
	return p;
}

MTR_EXPORT void free(void *p)
{
	struct mtr_tls *t = &mtr_tls;
	if (!p || in_boot(p))
		return;
	if (!enter(t)) {
		real_free(p);
		return;
	}
	/* the number before the address can be reused; the record before the allocator sees
	 * the pointer, since glibc aborts inside free on a double or invalid free and such a
	 * free is the very one the trace must hold */
	uint64_t seq = mtr_take_seq();
	record(t, seq, MTF_OP_MAKE(MTF_FREE, MTF_FN_MALLOC), p, 0, mtr_free_stacks());
	real_free(p);
}

MTR_EXPORT void *calloc(size_t n, size_t size)
{
	struct mtr_tls *t = &mtr_tls;
	if (__builtin_expect(!real_calloc, 0)) {
		if (atomic_load(&resolving)) { /* dlsym's own allocation */
			if (size && n > SIZE_MAX / size)
				return NULL;
			return boot_alloc(n * size); /* static memory is zero */
		}
		resolve();
	}
	if (!enter(t))
		return real_calloc(n, size);
	void *p = real_calloc(n, size);
	alloc_done(t, p, n * size, MTF_FN_CALLOC);
	return p;
}

/* realloc is counted as valgrind counts it: a block that is moved or resized is one free
 * (its number taken before the old address can be reused) and one allocation. A failed
 * realloc leaves the old block live and records nothing. */
static void *do_realloc(void *p, size_t n, size_t elsize, int array)
{
	struct mtr_tls *t = &mtr_tls;
	if (p && in_boot(p)) { /* a block dlsym got from the arena: move it to the real heap */
		if (array && elsize && n > SIZE_MAX / elsize)
			return NULL;
		size_t bytes = array ? n * elsize : n;
		size_t room = (size_t)(boot_arena + sizeof(boot_arena) - (char *)p);
		void *q = malloc(bytes);
		if (q)
			memcpy(q, p, bytes < room ? bytes : room); /* never read past the arena */
		return q;
	}
	if (array && elsize && n > SIZE_MAX / elsize) {
		errno = ENOMEM;
		return NULL;
	}
	size_t bytes = array ? n * elsize : n;
	/* the overflow was checked above: realloc does what reallocarray would, and glibc's
	 * reallocarray calls realloc through the PLT, into the hook (recorded twice) */
	if (!enter(t))
		return real_realloc(p, bytes);
	uint64_t fseq = p ? mtr_take_seq() : 0;
	void *q = real_realloc(p, bytes);
	if (p && (q || bytes == 0)) /* moved, resized, or realloc(p, 0) freeing p */
		record(t, fseq, MTF_OP_MAKE(MTF_FREE, MTF_FN_REALLOC), p, 0, mtr_free_stacks());
	alloc_done(t, q, bytes, MTF_FN_REALLOC);
	return q;
}

MTR_EXPORT void *realloc(void *p, size_t n) { return do_realloc(p, n, 1, 0); }
MTR_EXPORT void *reallocarray(void *p, size_t n, size_t size) { return do_realloc(p, n, size, 1); }

/* C++17's aligned operator new: libstdc++ rounds the size up to the alignment before it
 * calls aligned_alloc (C11 asks for a multiple), so new (std::align_val_t(64)) char[100]
 * reaches the hook as aligned_alloc(64, 128). The operator's hooks below say what the
 * program asked for; the aligned allocation they lead to is recorded with that size, in
 * its place in the stack like the malloc under a plain new. valgrind counts it so too. */
static __thread struct {
	size_t asked, rounded, align;
} aligned_new __attribute__((tls_model("initial-exec")));

/* The size to record for an aligned allocation of n bytes: the one its operator new was
 * asked for, when this is that operator's call (taken once, so no other call gets it). */
static inline size_t asked_size(size_t align, size_t n)
{
	if (__builtin_expect(aligned_new.rounded == 0, 1) || n != aligned_new.rounded || align < aligned_new.align)
		return n;
	aligned_new.rounded = 0;
	return aligned_new.asked;
}

MTR_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	struct mtr_tls *t = &mtr_tls;
	if (!enter(t))
		return real_posix_memalign(out, align, n);
	int ret = real_posix_memalign(out, align, n);
	alloc_done(t, ret == 0 ? *out : NULL, asked_size(align, n), MTF_FN_MEMALIGN);
	return ret;
}

#define ALIGNED_HOOK(name, params, args, size)                        \
	MTR_EXPORT void *name params                                  \
	{                                                             \
		struct mtr_tls *t = &mtr_tls;                         \
		if (!enter(t))                                        \
			return real_##name args;                      \
		void *p = real_##name args;                           \
		alloc_done(t, p, size, MTF_FN_MEMALIGN);              \
		return p;                                             \
	}
ALIGNED_HOOK(aligned_alloc, (size_t align, size_t n), (align, n), asked_size(align, n))
ALIGNED_HOOK(memalign, (size_t align, size_t n), (align, n), asked_size(align, n))
ALIGNED_HOOK(valloc, (size_t n), (n), n)
ALIGNED_HOOK(pvalloc, (size_t n), (n), n)

/* The four aligned forms of operator new (std::align_val_t is a size_t), each calling the
 * C++ runtime's own (libstdc++'s or libc++'s, whichever comes next). A program that
 * defines its own comes before this library and is not hooked: its allocations are. */
typedef void *new_fn(size_t, size_t);
typedef void *new_nothrow_fn(size_t, size_t, const void *);

static void *aligned_new_call(size_t n, size_t align, const char *name, void **real, const void *nothrow)
{
	void *fn = __atomic_load_n(real, __ATOMIC_RELAXED);
	if (!fn) { /* on first use: the runtime is loaded by then, whoever called this needs it */
		resolve();
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(real, fn, __ATOMIC_RELAXED);
	}
	size_t a = align < sizeof(void *) ? sizeof(void *) : align;
	size_t saved_asked = aligned_new.asked, saved_rounded = aligned_new.rounded, saved_align = aligned_new.align;
	aligned_new.asked = n;
	aligned_new.align = align;
	aligned_new.rounded = n && a && !(a & (a - 1)) && n <= SIZE_MAX - a ? (n + a - 1) & ~(a - 1) : 0;
	void *p;
	if (!fn) /* no C++ runtime next: cannot happen while one defines the operator */
		p = aligned_alloc(a, aligned_new.rounded ? aligned_new.rounded : a);
	else if (nothrow)
		p = ((new_nothrow_fn *)fn)(n, align, nothrow);
	else
		p = ((new_fn *)fn)(n, align);
	/* taken by now, unless the operator reached no aligned allocation (a runtime that
	 * allocates otherwise): no later call may find it (a throw passes by here, and the
	 * next operator new sets its own) */
	aligned_new.asked = saved_asked;
	aligned_new.rounded = saved_rounded;
	aligned_new.align = saved_align;
	return p;
}

static void *real_new_al, *real_newa_al, *real_new_al_nt, *real_newa_al_nt;

MTR_EXPORT void *_ZnwmSt11align_val_t(size_t n, size_t align)
{
	return aligned_new_call(n, align, "_ZnwmSt11align_val_t", &real_new_al, NULL);
}

MTR_EXPORT void *_ZnamSt11align_val_t(size_t n, size_t align)
{
	return aligned_new_call(n, align, "_ZnamSt11align_val_t", &real_newa_al, NULL);
}

MTR_EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, size_t align, const void *nt)
{
	return aligned_new_call(n, align, "_ZnwmSt11align_val_tRKSt9nothrow_t", &real_new_al_nt, nt);
}

MTR_EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, size_t align, const void *nt)
{
	return aligned_new_call(n, align, "_ZnamSt11align_val_tRKSt9nothrow_t", &real_newa_al_nt, nt);
}

/* ------------------------------------------------------------------ dlopen */

/* dlopen is hooked only for RTLD_DEEPBIND: glibc reads its caller's address to choose the
 * search path (the caller's RUNPATH) and namespace, and a wrapper would change the caller.
 * So the exported dlopen is a jump, not a call: any other dlopen goes on to the real one
 * with its caller's return address untouched. A library opened with RTLD_DEEPBIND binds
 * malloc and free to libc's past this library; after its dlopen, its imports of them are
 * pointed at the hooks (rebind.c). New modules are noticed when a stack with a new
 * address appears (engine.c). */
__attribute__((visibility("hidden"), used)) void *(*mtr_dlopen_resolve(void))(const char *, int)
{
	resolve();
	return mtr_real_dlopen;
}

/* dlopen of a bare name as its caller would: by the caller's search path (its RUNPATH, or
 * RPATH, LD_LIBRARY_PATH, the system's directories: what dlinfo says), which the real
 * dlopen cannot see when this library calls it; NULL when none of those has it (the real
 * dlopen then looks in ld.so.cache, as it would have). */
static void *dlopen_as(const void *caller, const char *file, int flags)
{
	Dl_info di;
	void *lm = NULL;
	_Alignas(Dl_serinfo) char buf[4096];
	Dl_serinfo *si = (Dl_serinfo *)buf;
	char path[4096];
	if (!dladdr1(caller, &di, &lm, RTLD_DL_LINKMAP) || !lm || dlinfo(lm, RTLD_DI_SERINFOSIZE, si) ||
	    si->dls_size > sizeof buf || dlinfo(lm, RTLD_DI_SERINFO, si))
		return NULL;
	for (unsigned i = 0; i < si->dls_cnt; i++) {
		const char *dir = si->dls_serpath[i].dls_name;
		size_t ld = strlen(dir), lf = strlen(file);
		if (ld + 1 + lf >= sizeof path)
			continue;
		memcpy(path, dir, ld);
		path[ld] = '/';
		memcpy(path + ld + 1, file, lf + 1);
		if (access(path, F_OK))
			continue;
		void *h = mtr_real_dlopen(path, flags); /* a file of another machine: go on, as ld.so does */
		if (h)
			return h;
	}
	return NULL;
}

/* The hooks' own addresses. Taken by name, an exported function's address is what the
 * dynamic linker binds the name to: these hooks when preloaded, but libc's functions in a
 * library loaded by mtrec -p (not in the global scope): hidden aliases are always these. */
#define HOOK_ALIAS(name) \
	extern __typeof(name) hook_##name __attribute__((copy(name), alias(#name), visibility("hidden")));
HOOK_ALIAS(malloc)
HOOK_ALIAS(free)
HOOK_ALIAS(calloc)
HOOK_ALIAS(realloc)
HOOK_ALIAS(reallocarray)
HOOK_ALIAS(posix_memalign)
HOOK_ALIAS(aligned_alloc)
HOOK_ALIAS(memalign)
HOOK_ALIAS(valloc)
HOOK_ALIAS(pvalloc)
int dlclose(void *h);
extern __typeof(dlclose) hook_dlclose __attribute__((copy(dlclose), alias("dlclose"), visibility("hidden")));
/* dlopen's hook is the assembly below */
extern __typeof(dlopen) mtr_hook_dlopen __attribute__((visibility("hidden")));

/* The imports rebind.c points at the hooks: the allocation functions; attached (mtrec -p,
 * where nothing reaches this library but through such imports), dlopen and dlclose too, so
 * that libraries opened later are bound to the hooks and their unloads are seen. */
#define NREBIND 12
static size_t rebind_table(struct mtr_rebind *tab)
{
	resolve(); /* the real functions, for the table: this may be the program's first hook */
	const struct mtr_rebind all[NREBIND] = {
		{"malloc", (uintptr_t)hook_malloc, (uintptr_t)real_malloc},
		{"free", (uintptr_t)hook_free, (uintptr_t)real_free},
		{"calloc", (uintptr_t)hook_calloc, (uintptr_t)real_calloc},
		{"realloc", (uintptr_t)hook_realloc, (uintptr_t)real_realloc},
		{"reallocarray", (uintptr_t)hook_reallocarray, (uintptr_t)real_reallocarray},
		{"posix_memalign", (uintptr_t)hook_posix_memalign, (uintptr_t)real_posix_memalign},
		{"aligned_alloc", (uintptr_t)hook_aligned_alloc, (uintptr_t)real_aligned_alloc},
		{"memalign", (uintptr_t)hook_memalign, (uintptr_t)real_memalign},
		{"valloc", (uintptr_t)hook_valloc, (uintptr_t)real_valloc},
		{"pvalloc", (uintptr_t)hook_pvalloc, (uintptr_t)real_pvalloc},
		{"dlopen", (uintptr_t)mtr_hook_dlopen, (uintptr_t)mtr_real_dlopen},
		{"dlclose", (uintptr_t)hook_dlclose, (uintptr_t)real_dlclose},
	};
	size_t n = mtr_attached ? NREBIND : NREBIND - 2;
	memcpy(tab, all, n * sizeof *tab);
	return n;
}

__attribute__((visibility("hidden"), used)) void *mtr_dlopen_deep(const char *file, int flags)
{
	const void *caller = __builtin_return_address(0); /* the program's: dlopen jumped here */
	struct mtr_tls *t = &mtr_tls;
	uintptr_t seen[512];
	struct mtr_rebind tab[NREBIND];
	size_t ntab = rebind_table(tab);
	size_t nseen = mtr_rebind_before(seen, sizeof seen / sizeof seen[0]);
	void *h = file && !strchr(file, '/') ? dlopen_as(caller, file, flags) : NULL;
	if (!h)
		h = mtr_real_dlopen(file, flags);
	/* the objects' constructors ran inside the dlopen, before this: what they allocated
	 * is not in the trace (README's limits) */
	if (h && mtr_on && !t->busy)
		mtr_rebind_after(seen, nseen, tab, ntab, (const void *)mtr_dlopen_deep);
	return h;
}

void mtr_attach_hooks(void)
{
	struct mtr_rebind tab[NREBIND];
	size_t ntab = rebind_table(tab);
	/* every module is as new: its imports bound to the real functions, or still to its
	 * own lazy-binding stubs, go to the hooks */
	mtr_rebind_all(tab, ntab, (const void *)mtr_dlopen_deep);
}

#if defined(__x86_64__)
/* dlopen(file, flags): RTLD_DEEPBIND (8), or any when attached, to mtr_dlopen_deep; else a
 * jump to the real one,
 * found on first use (the arguments kept across the call). */
__asm__(".text\n"
	".globl dlopen\n"
	".type dlopen, @function\n"
	".globl mtr_hook_dlopen\n"
	".hidden mtr_hook_dlopen\n"
	"dlopen:\n"
	"mtr_hook_dlopen:\n"
	"	test $8, %esi\n"
	"	jnz mtr_dlopen_deep\n"
	"	cmpl $0, mtr_attached(%rip)\n" /* attached: every dlopen, for rebind.c */
	"	jne mtr_dlopen_deep\n"
	"	mov mtr_real_dlopen(%rip), %rax\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	jmp *%rax\n"
	"1:	push %rdi\n"
	"	push %rsi\n"
	"	sub $8, %rsp\n" /* the stack 16-byte aligned at the call */
	"	call mtr_dlopen_resolve\n"
	"	add $8, %rsp\n"
	"	pop %rsi\n"
	"	pop %rdi\n"
	"	jmp *%rax\n"
	".size dlopen, .-dlopen\n");
#endif

/* Modules are rescanned before a dlclose (so an unloaded plugin's code still resolves
 * later) and after it (to record the unload). */
MTR_EXPORT int dlclose(void *h)
{
	struct mtr_tls *t = &mtr_tls;
	resolve();
	if (!enter(t))
		return real_dlclose(h);
	t->busy = 1;
	mtr_modules_rescan();
	/* not busy across the call: the library's destructors and ld.so's own frees run
	 * inside it and are the program's events like any other */
	t->busy = 0;
	int ret = real_dlclose(h);
	if (enter(t)) {
		t->busy = 1;
		mtr_modules_rescan();
		t->busy = 0;
	}
	return ret;
}

MTR_EXPORT int pthread_setname_np(pthread_t th, const char *name)
{
	struct mtr_tls *t = &mtr_tls;
	resolve();
	int ret = real_setname(th, name);
	if (ret == 0 && pthread_equal(th, pthread_self()) && enter(t)) {
		t->busy = 1;
		mtr_thread_named(name);
		t->busy = 0;
	}
	return ret;
}

/* _exit and _Exit run no exit code, but the process ends there: its memory is scanned
 * first, as memcheck looks at any final exit. exit() ends in libc's own _exit, past this
 * hook, after the scan its atexit handler did. */
__attribute__((noreturn)) static void end_now(int status)
{
	resolve();
	mtr_perf_map();
	mtr_scan_at(MTF_SCAN_AT__EXIT);
	if (real__exit)
		real__exit(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

MTR_EXPORT void _exit(int status) { end_now(status); }
MTR_EXPORT void _Exit(int status) { end_now(status); }
/* ------------------------------------------------------------------ clone */

/* glibc's raw clone() without CLONE_THREAD starts a process, and no atfork handler runs.
 * Without CLONE_VM the child has a copy of the parent's memory, its recorder state
 * included: it starts in clone_start, which joins the trace as fork's child does (a ring
 * and a pid of its own), then runs the program's function. With CLONE_VM the child shares
 * the parent thread's TLS (unless CLONE_SETTLS gave it one): it cannot have a ring of its
 * own, so its events are counted lost (enter), never written into the parent's ring.
 * Threads (CLONE_THREAD) and glibc's own clones (fork, pthread_create, posix_spawn call
 * it inside libc) pass as they are. */
static int (*real_clone)(int (*)(void *), void *, int, void *, ...);

struct clone_start_arg {
	int (*fn)(void *);
	void *arg;
};

static int clone_start(void *p)
{
	/* a copy of the parent's frame: readable here whatever the parent does next */
	struct clone_start_arg a = *(struct clone_start_arg *)p;
	mtr_clone_child();
	return a.fn(a.arg);
}

MTR_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	struct mtr_tls *t = &mtr_tls;
	va_list ap;
	va_start(ap, arg);
	pid_t *ptid = va_arg(ap, pid_t *);
	void *tls = va_arg(ap, void *);
	pid_t *ctid = va_arg(ap, pid_t *);
	va_end(ap);
	resolve();
	if (!real_clone)
		real_clone = (int (*)(int (*)(void *), void *, int, void *, ...))dlsym(RTLD_NEXT, "clone");
	if ((flags & CLONE_THREAD) || !fn || !enter(t))
		return real_clone(fn, stack, flags, arg, ptid, tls, ctid);
	if (flags & CLONE_VM) {
		mtr_vm_shared = 1;
		if (!(flags & CLONE_SETTLS)) {
			t->busy = 1;
			int ready = mtr_thread_ready(); /* tid known before the child can run */
			t->busy = 0;
			if (ready)
				t->clone_shared = 1;
		}
		return real_clone(fn, stack, flags, arg, ptid, tls, ctid);
	}
	struct clone_start_arg a = {fn, arg};
	mtr_clone_prepare();
	return real_clone(clone_start, stack, flags, &a, ptid, tls, ctid);
}

/* ------------------------------------------------------------------ exec */

/* A program run by exec is recorded only if its environment still names the recorder:
 * one that clears it (env -i, execle or posix_spawn with a list of its own) would escape,
 * and the blocks its process held before the exec would read as leaks. These hooks put
 * MTREC_SHM and the library back (on the stack: an exec after vfork may not allocate).
 * glibc's execv, execvp and execl* call execve inside libc, past any hook: they are
 * hooked too, and use environ as glibc would. */
#define FIXED_ENV(envp, use)                                                                 \
	size_t use##_n = 0, use##_b = mtr_exec_env_size((envp), &use##_n);                  \
	char *use##_out[use##_b ? use##_n + 3 : 1];                                          \
	char use##_buf[use##_b ? use##_b : 1];                                               \
	char *const *use = use##_b ? mtr_exec_env((envp), use##_out, use##_buf) : (envp)

extern char **environ;

MTR_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	resolve();
	FIXED_ENV(envp, env);
	return real_execve(path, argv, env);
}

MTR_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	resolve();
	FIXED_ENV(envp, env);
	return real_execvpe(file, argv, env);
}

MTR_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

MTR_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

MTR_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	resolve();
	FIXED_ENV(envp, env);
	return real_fexecve(fd, argv, env);
}

MTR_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	resolve();
	FIXED_ENV(envp, env);
	return real_posix_spawn(pid, path, fa, attr, argv, env);
}

MTR_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	resolve();
	FIXED_ENV(envp, env);
	return real_posix_spawnp(pid, file, fa, attr, argv, env);
}

/* The arguments of execl, execlp and execle, up to the NULL, on the stack. */
#define VA_ARGV(arg0, argv, ap_last)                                                         \
	size_t argc_ = 1;                                                                    \
	va_list ap_;                                                                         \
	va_start(ap_, arg0);                                                                 \
	while (va_arg(ap_, const char *))                                                    \
		argc_++;                                                                     \
	va_end(ap_);                                                                         \
	const char *argv[argc_ + 1];                                                         \
	argv[0] = arg0;                                                                      \
	va_start(ap_, arg0);                                                                 \
	for (size_t i_ = 1; i_ <= argc_; i_++)                                               \
		argv[i_] = va_arg(ap_, const char *);                                        \
	ap_last;                                                                             \
	va_end(ap_)

MTR_EXPORT int execl(const char *path, const char *arg0, ...)
{
	VA_ARGV(arg0, argv, (void)0);
	return execve(path, (char *const *)argv, environ);
}

MTR_EXPORT int execlp(const char *file, const char *arg0, ...)
{
	VA_ARGV(arg0, argv, (void)0);
	return execvpe(file, (char *const *)argv, environ);
}

MTR_EXPORT int execle(const char *path, const char *arg0, ...)
{
	char *const *envp;
	VA_ARGV(arg0, argv, envp = va_arg(ap_, char *const *));
	return execve(path, (char *const *)argv, envp);
}
