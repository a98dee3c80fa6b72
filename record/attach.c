/* attach.c: mtrec -p, the launcher's side of attaching to a running process. With ptrace
 * it borrows one thread of it that waits in a system call, makes it call dlopen on
 * libmtrec.so and then the library's mtrec_impl_attach with the collector's shared memory,
 * and puts the thread back as it was. The library does the rest in the process (attach
 * in engine.c: join the trace, point every module's allocation imports at the hooks). */
#include "attach.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)

#define CALL_TIMEOUT_MS 10000 /* a dlopen takes milliseconds; this one is stuck */

/* The thread lent to the calls, and what it was doing before. */
struct borrowed {
	pid_t pid, tid;
	struct user_regs_struct regs;
	uint8_t xstate[16384]; /* FP, SSE and AVX registers (NT_X86_XSTATE) */
	struct iovec xiov;
	int have_xstate;
	int sigs[8]; /* signals that arrived during the calls: sent again after */
	int nsigs;
};

/* Says why ptrace may not attach to pid: Yama, another user, a tracer, a container. */
static void not_permitted(pid_t pid, char *why, size_t cap)
{
	char path[64], buf[4096];
	int scope = -1;
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	long tracer = 0;
	unsigned long uid = (unsigned long)getuid();
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r"))) {
		while (fgets(buf, sizeof buf, f)) {
			if (!strncmp(buf, "TracerPid:", 10))
				tracer = atol(buf + 10);
			else if (!strncmp(buf, "Uid:", 4))
				uid = strtoul(buf + 4, NULL, 10);
		}
		fclose(f);
	}
	if (tracer)
		snprintf(why, cap, "it is being traced by process %ld (a debugger); detach that first", tracer);
	else if (uid != (unsigned long)getuid() && getuid() != 0)
		snprintf(why, cap, "ptrace is not permitted (it runs as uid %lu, mtrec as uid %lu; run mtrec as "
			 "that user)", uid, (unsigned long)getuid());
	else if (scope == 1)
		snprintf(why, cap, "ptrace is not permitted (kernel.yama.ptrace_scope=1; run 'sysctl "
			 "kernel.yama.ptrace_scope=0' or run mtrec as the process's parent)");
	else if (scope == 2)
		snprintf(why, cap, "ptrace is not permitted (kernel.yama.ptrace_scope=2: only root may "
			 "attach; run mtrec as root)");
	else if (scope == 3)
		snprintf(why, cap, "ptrace is not permitted (kernel.yama.ptrace_scope=3: no process may "
			 "attach until the next reboot)");
	else
		snprintf(why, cap, "ptrace is not permitted (a container without CAP_SYS_PTRACE or a seccomp "
			 "filter; run it with --cap-add=SYS_PTRACE, or run mtrec as root)");
}

/* The load address and path of the process's libc, from its maps. 0, or -1. */
static int find_libc(pid_t pid, uintptr_t *base, char *libpath, size_t cap, int *has_mtrec)
{
	char path[64], line[PATH_MAX + 128];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int found = 0;
	*has_mtrec = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, off;
		int n = 0;
		if (sscanf(line, "%lx-%*x %*s %lx %*s %*s %n", &lo, &off, &n) < 2 || !n)
			continue;
		char *file = line + n;
		file[strcspn(file, "\n")] = 0;
		const char *name = strrchr(file, '/');
		name = name ? name + 1 : file;
		if (!strcmp(name, "libmtrec.so"))
			*has_mtrec = 1;
		if (!found && off == 0 && (!strcmp(name, "libc.so.6") || !strncmp(name, "libc-2.", 7))) {
			*base = lo;
			snprintf(libpath, cap, "%s", file);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

/* The values of the named functions in an ELF file's dynamic symbol table (offsets from its
 * load address, the first PT_LOAD at 0 as in every libc). out[i] = 0 when missing. */
static int elf_syms(const char *path, const char *const *names, uintptr_t *out, int n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *img = NULL;
	int ret = -1;
	for (int i = 0; i < n; i++)
		out[i] = 0;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr) || st.st_size > (1 << 28))
		goto out;
	if (!(img = malloc((size_t)st.st_size)) || pread(fd, img, (size_t)st.st_size, 0) != st.st_size)
		goto out;
	size_t size = (size_t)st.st_size;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff > size || eh->e_shnum > (size - eh->e_shoff) / sizeof(Elf64_Shdr))
		goto out;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	for (int s = 0; s < eh->e_shnum; s++) {
		if (sh[s].sh_type != SHT_DYNSYM || sh[s].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *strs = &sh[sh[s].sh_link];
		if (sh[s].sh_offset > size || sh[s].sh_size > size - sh[s].sh_offset ||
		    strs->sh_offset > size || strs->sh_size > size - strs->sh_offset)
			goto out;
		const Elf64_Sym *sym = (const Elf64_Sym *)(img + sh[s].sh_offset);
		const char *str = (const char *)(img + strs->sh_offset);
		for (size_t k = 0; k < sh[s].sh_size / sizeof(*sym); k++) {
			if (sym[k].st_name >= strs->sh_size || !sym[k].st_value ||
			    ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC)
				continue;
			const char *name = str + sym[k].st_name;
			if (!memchr(name, 0, strs->sh_size - sym[k].st_name))
				continue;
			for (int i = 0; i < n; i++)
				if (!out[i] && !strcmp(name, names[i]))
					out[i] = sym[k].st_value;
		}
		ret = 0;
	}
out:
	free(img);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* System calls a thread waits in with no lock of the allocator or the dynamic linker held
 * (its own futex waits included: a thread waiting for a lock does not hold it). */
static int quiet_syscall(long nr)
{
	static const long ok[] = {SYS_read, SYS_poll, SYS_select, SYS_nanosleep, SYS_pause, SYS_wait4,
				  SYS_accept, SYS_recvfrom, SYS_recvmsg, SYS_rt_sigsuspend, SYS_rt_sigtimedwait,
				  SYS_futex, SYS_epoll_wait, SYS_clock_nanosleep, SYS_pselect6, SYS_ppoll,
				  SYS_epoll_pwait, SYS_accept4, SYS_waitid};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		if (ok[i] == nr)
			return 1;
	return 0;
}

/* A thread of pid waiting in a quiet system call; 0 none now, -1 (errno) unreadable. */
static pid_t quiet_thread(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	pid_t found = 0;
	int denied = 0;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);
		char p2[96], buf[256];
		if (tid <= 0)
			continue;
		snprintf(p2, sizeof p2, "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
		int fd = open(p2, O_RDONLY | O_CLOEXEC);
		ssize_t k = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
		if (k < 0 && (errno == EACCES || errno == EPERM))
			denied = 1;
		if (fd >= 0)
			close(fd);
		if (k <= 0)
			continue;
		buf[k] = 0;
		char *end;
		long nr = strtol(buf, &end, 10);
		if (end != buf && quiet_syscall(nr))
			found = tid;
	}
	closedir(d);
	if (!found && denied) {
		errno = EPERM;
		return -1;
	}
	return found;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Waits for the borrowed thread's next stop within ms; its status, or -1 (errno). */
static int wait_stop(struct borrowed *b, long ms)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int st;
		pid_t r = waitpid(b->tid, &st, __WALL | WNOHANG);
		if (r == b->tid)
			return st;
		if (r < 0 && errno != EINTR)
			return -1;
		if (elapsed_ms(&t0) > ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

static int poke(pid_t tid, uintptr_t at, const void *p, size_t n)
{
	for (size_t off = 0; off < n; off += sizeof(long)) {
		long w = 0;
		memcpy(&w, (const char *)p + off, n - off < sizeof w ? n - off : sizeof w);
		if (n - off < sizeof w) { /* keep the bytes past the end as they are */
			errno = 0;
			long old = ptrace(PTRACE_PEEKDATA, tid, (void *)(at + off), NULL);
			if (errno)
				return -1;
			memcpy((char *)&old, (const char *)p + off, n - off);
			w = old;
		}
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(at + off), (void *)w) < 0)
			return -1;
	}
	return 0;
}

/* Calls fn(a0, a1) in the borrowed thread, with data (n bytes) copied below its stack
 * pointer first (a0/a1 of ~0 stand for its address). The call returns to address 0: the
 * SIGSEGV that follows is the end of it. 0 and *ret, or -1 with why. */
static int remote_call(struct borrowed *b, uintptr_t fn, uintptr_t a0, uintptr_t a1, const void *data,
		       size_t n, uintptr_t *ret, char *why, size_t cap)
{
	struct user_regs_struct r = b->regs;
	uintptr_t sp = (uintptr_t)r.rsp - 512; /* below the red zone and whatever was there */
	uintptr_t at = (sp - n) & ~(uintptr_t)15;
	const uintptr_t zero = 0;
	if ((n && poke(b->tid, at, data, n)) || poke(b->tid, at - 8, &zero, sizeof zero)) {
		snprintf(why, cap, "cannot write its stack: %s", strerror(errno));
		return -1;
	}
	r.rsp = at - 8; /* as after a call: the return address on top, rsp + 8 16-aligned */
	r.rip = fn;
	r.rdi = a0 == ~(uintptr_t)0 ? at : a0;
	r.rsi = a1 == ~(uintptr_t)0 ? at : a1;
	r.rax = 0;
	r.orig_rax = (unsigned long long)-1; /* not in a system call: no restart on the way */
	r.eflags &= ~(1ull << 10);           /* the ABI's direction flag: clear */
	if (ptrace(PTRACE_SETREGS, b->tid, NULL, &r) < 0 || ptrace(PTRACE_CONT, b->tid, NULL, NULL) < 0) {
		snprintf(why, cap, "cannot run code in it: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		int st = wait_stop(b, CALL_TIMEOUT_MS);
		if (st < 0) {
			int e = errno;
			if (e == ETIMEDOUT)
				snprintf(why, cap, "the call into it did not return in %d s", CALL_TIMEOUT_MS / 1000);
			else
				snprintf(why, cap, "lost the thread: %s", strerror(e));
			if (e == ETIMEDOUT) { /* take it back as it is: restored by the caller */
				ptrace(PTRACE_INTERRUPT, b->tid, NULL, NULL);
				wait_stop(b, 1000);
			}
			return -1;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			snprintf(why, cap, "it ended during the attach");
			b->tid = 0;
			return -1;
		}
		int sig = WSTOPSIG(st);
		if (sig == SIGSEGV) {
			if (ptrace(PTRACE_GETREGS, b->tid, NULL, &r) < 0) {
				snprintf(why, cap, "cannot read its registers: %s", strerror(errno));
				return -1;
			}
			if (r.rip == 0) {
				*ret = r.rax;
				return 0;
			}
			snprintf(why, cap, "the call crashed in it");
			return -1;
		}
		/* a signal for the process in the meantime: kept for later; an event stop: on */
		if (st >> 16 == 0 && sig != SIGTRAP && b->nsigs < (int)(sizeof b->sigs / sizeof *b->sigs))
			b->sigs[b->nsigs++] = sig;
		if (ptrace(PTRACE_CONT, b->tid, NULL, NULL) < 0) {
			snprintf(why, cap, "cannot run code in it: %s", strerror(errno));
			return -1;
		}
	}
}

/* Reads a NUL-terminated string of the process (a dlerror text). */
static void remote_str(pid_t pid, uintptr_t at, char *out, size_t cap)
{
	struct iovec local = {out, cap - 1}, remote = {(void *)at, cap - 1};
	ssize_t k = at ? process_vm_readv(pid, &local, 1, &remote, 1, 0) : -1;
	out[k > 0 ? k : 0] = 0;
}

int mtr_attach(pid_t pid, const char *lib, const char *shm_path, char *why, size_t cap)
{
	struct borrowed *b = calloc(1, sizeof(*b));
	uintptr_t base = 0, off[4];
	char libc[PATH_MAX], libc_at[PATH_MAX + 64];
	int ret = -1, has_mtrec = 0, seized = 0, hijacked = 0;
	static const char *const names[] = {"dlopen", "dlsym", "dlerror", "__libc_dlopen_mode"};
	if (!b) {
		snprintf(why, cap, "out of memory");
		return -1;
	}
	b->pid = pid;
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		snprintf(why, cap, "No such process");
		goto out;
	}
	if (find_libc(pid, &base, libc, sizeof libc, &has_mtrec)) {
		if (errno == EACCES || errno == EPERM)
			not_permitted(pid, why, cap);
		else if (kill(pid, 0) < 0 && errno == ESRCH)
			snprintf(why, cap, "No such process");
		else
			snprintf(why, cap, "it has no C library loaded (statically linked?): nothing to attach to");
		goto out;
	}
	if (has_mtrec) {
		snprintf(why, cap, "libmtrec.so is loaded in it already (recorded by mtrec now, or attached to "
			 "before: the recorder stays in a process, switched off); restart it to record it again");
		goto out;
	}
	/* the file as the process sees it (its mount namespace), else by the same path here */
	snprintf(libc_at, sizeof libc_at, "/proc/%d/root%s", (int)pid, libc);
	if (elf_syms(libc_at, names, off, 4) && elf_syms(libc, names, off, 4)) {
		snprintf(why, cap, "cannot read its C library '%s'", libc);
		goto out;
	}
	uintptr_t fn_open = off[0] ? base + off[0] : off[3] ? base + off[3] : 0;
	if (!fn_open || !off[1]) {
		snprintf(why, cap, "its C library '%s' has no dlopen", libc);
		goto out;
	}
	/* a thread that waits in a system call: it holds no allocator or loader lock */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		b->tid = quiet_thread(pid);
		if (b->tid < 0) {
			if (errno == EPERM || errno == EACCES)
				not_permitted(pid, why, cap);
			else
				snprintf(why, cap, "No such process");
			goto out;
		}
		if (b->tid > 0 || elapsed_ms(&t0) > 3000)
			break;
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	if (!b->tid) {
		snprintf(why, cap, "none of its threads waited in a system call for 3 s (sleep, read, poll, "
			 "a lock): a thread busy in its own code cannot be borrowed safely; try again");
		goto out;
	}
	if (ptrace(PTRACE_SEIZE, b->tid, NULL, NULL) < 0) {
		if (errno == EPERM || errno == EACCES)
			not_permitted(pid, why, cap);
		else
			snprintf(why, cap, "%s", strerror(errno));
		goto out;
	}
	seized = 1;
	int st;
	if (ptrace(PTRACE_INTERRUPT, b->tid, NULL, NULL) < 0 || (st = wait_stop(b, 2000)) < 0) {
		snprintf(why, cap, "cannot stop its thread %d: %s", (int)b->tid, strerror(errno));
		goto out;
	}
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		snprintf(why, cap, "it ended during the attach");
		seized = 0;
		goto out;
	}
	if (st >> 16 == 0 && WSTOPSIG(st) != SIGTRAP) /* a signal arrived first: later */
		b->sigs[b->nsigs++] = WSTOPSIG(st);
	if (ptrace(PTRACE_GETREGS, b->tid, NULL, &b->regs) < 0) {
		snprintf(why, cap, "cannot read its registers: %s", strerror(errno));
		goto out;
	}
	b->xiov = (struct iovec){b->xstate, sizeof b->xstate};
	b->have_xstate = ptrace(PTRACE_GETREGSET, b->tid, (void *)NT_X86_XSTATE, &b->xiov) == 0;
	hijacked = 1;
	uintptr_t handle = 0, fn = 0, rc = 1;
	size_t liblen = strlen(lib) + 1;
	if (remote_call(b, fn_open, ~(uintptr_t)0, off[0] ? 2 /* RTLD_NOW */ : 0x80000002 /* | __RTLD_DLOPEN */,
			lib, liblen, &handle, why, cap))
		goto out;
	if (!handle) {
		char err[512] = "";
		uintptr_t msg = 0;
		if (off[2] && remote_call(b, base + off[2], 0, 0, NULL, 0, &msg, why, cap) == 0)
			remote_str(pid, msg, err, sizeof err);
		snprintf(why, cap, "it cannot load '%s': %s", lib, *err ? err : "dlopen failed");
		goto out;
	}
	static const char sym[] = "mtrec_impl_attach";
	if (remote_call(b, base + off[1], handle, ~(uintptr_t)0, sym, sizeof sym, &fn, why, cap))
		goto out;
	if (!fn) {
		snprintf(why, cap, "'%s' has no mtrec_impl_attach (an older libmtrec.so?)", lib);
		goto out;
	}
	if (remote_call(b, fn, ~(uintptr_t)0, 0, shm_path, strlen(shm_path) + 1, &rc, why, cap))
		goto out;
	if ((int)rc != 0) {
		snprintf(why, cap, "the recorder could not start in it (%s)",
			 (int)rc == 1 ? "it was attached to before" : (int)rc == 2 ? "cannot map the shared memory"
									: "no ring for its thread");
		goto out;
	}
	ret = 0;
out:
	if (hijacked && b->tid) { /* the thread as it was, in its system call (restarted) */
		if (b->have_xstate)
			ptrace(PTRACE_SETREGSET, b->tid, (void *)NT_X86_XSTATE, &b->xiov);
		ptrace(PTRACE_SETREGS, b->tid, NULL, &b->regs);
	}
	if (seized && b->tid) {
		ptrace(PTRACE_DETACH, b->tid, NULL, (void *)(long)(b->nsigs ? b->sigs[0] : 0));
		for (int i = 1; i < b->nsigs; i++)
			syscall(SYS_tgkill, pid, b->tid, b->sigs[i]);
	}
	free(b);
	return ret;
}

#else

int mtr_attach(pid_t pid, const char *lib, const char *shm_path, char *why, size_t cap)
{
	(void)pid;
	(void)lib;
	(void)shm_path;
	snprintf(why, cap, "attaching is implemented for x86-64 only");
	return -1;
}

#endif
