/*
 * child.c — every backend runs in its own child process, so that a crash or
 * a hang of the implementation under test becomes a verdict instead of
 * taking the replay down (DESIGN.md, "The pipeline": replay).
 *
 * The child runs backend->run and writes one frame on a pipe:
 *   "SDRP" | uint32 sd_err | struct observations | uint32 n | n trace bytes
 * (the same binary on both ends, so the struct goes as is).  The parent reads
 * every child's pipe with poll() against one deadline; a child still
 * running at the deadline is killed (hang), one that dies without a whole
 * frame crashed.  Which step a dead child was at is not known to the parent,
 * so every step gets the crash or hang verdict.
 */
#include "replay/replay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oracle/actor.h"

#define FRAME_MAGIC "SDRP"
#define FRAME_HEAD (4 + 4 + sizeof(struct observations) + 4)
/* The whole frame must fit one sbuf in the parent. */
#define TRACE_MAX (SBUF_MAX - FRAME_HEAD)

struct child {
	pid_t pid;
	int fd;           /* read end, -1 once at EOF */
	/* A page shared with the child: the step its actor has reached
	 * (actor_set_progress_sink), readable after the child died. */
	volatile uint32_t *progress;
	struct sbuf data; /* the frame so far */
	bool overflow;
};

static sd_err write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return SD_ERR_INTERNAL;
		b += w;
		n -= (size_t)w;
	}
	return SD_OK;
}

static void put_u32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)(v >> 24), out[1] = (uint8_t)(v >> 16), out[2] = (uint8_t)(v >> 8), out[3] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The replaying process, for children to check it is still their parent. */
static pid_t replay_pid;

/* Present only in sanitizer builds. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void die_by_abort(void)
{
	signal(SIGABRT, SIG_DFL);
	abort();
}

/* A crash must read the same in every build: the signal that killed the
 * backend, not a sanitizer's exit status.  So the child takes the default
 * action for the fatal signals (the sanitizers catch them otherwise),
 * turns a sanitizer's own error exit into SIGABRT, and dumps no core. */
static void child_signals(void)
{
	static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
	struct rlimit no_core = {0, 0};

	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(die_by_abort);
	setrlimit(RLIMIT_CORE, &no_core);
}

/* In the child: run, report, _exit (no atexit handlers, no stdio flush of
 * buffers inherited from the parent). */
static void __attribute__((noreturn))
child_main(const struct backend *b, const struct sshdiff_case *c, bool trace, volatile uint32_t *progress, int fd)
{
	static struct observations obs;
	struct sbuf sink = SBUF_INIT;
	uint8_t head[8], tail[4];
	int devnull;
	sd_err err;

	/* A backend's stray output must not land in the replay's stdout. */
	devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	child_signals();
	/* A replay or campaign killed with SIGKILL must not leave a backend
	 * running (a hung one would run for ever). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != replay_pid)
		_exit(3); /* it died before the line above */
	if (trace)
		actor_set_trace_sink(&sink);
	actor_set_progress_sink(progress);
	memset(&obs, 0, sizeof(obs));
	snprintf(obs.backend, sizeof(obs.backend), "%s", b->name);
	err = b->run(c, &obs);
	if (sink.len > TRACE_MAX)
		sink.len = TRACE_MAX;
	memcpy(head, FRAME_MAGIC, 4);
	put_u32(head + 4, (uint32_t)err);
	put_u32(tail, (uint32_t)sink.len);
	if (write_all(fd, head, sizeof(head)) != SD_OK || write_all(fd, &obs, sizeof(obs)) != SD_OK ||
	    write_all(fd, tail, sizeof(tail)) != SD_OK || write_all(fd, sink.data, sink.len) != SD_OK)
		_exit(3);
	_exit(0);
}

static void child_unmap(struct child *ch)
{
	if (ch->progress)
		munmap((void *)ch->progress, sizeof(*ch->progress));
	ch->progress = NULL;
}

static sd_err child_start(struct child *ch, const struct backend *b, const struct sshdiff_case *c, bool trace)
{
	int p[2];

	ch->pid = -1;
	ch->fd = -1;
	ch->data = SBUF_INIT;
	ch->overflow = false;
	ch->progress = mmap(NULL, sizeof(*ch->progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ch->progress == MAP_FAILED) {
		ch->progress = NULL;
		return SD_ERR_INTERNAL;
	}
	*ch->progress = 0;
	if (pipe(p) != 0) {
		child_unmap(ch);
		return SD_ERR_INTERNAL;
	}
	replay_pid = getpid();
	/* Nothing buffered in stdio may be written twice. */
	fflush(stdout);
	fflush(stderr);
	ch->pid = fork();
	if (ch->pid < 0) {
		close(p[0]);
		close(p[1]);
		child_unmap(ch);
		return SD_ERR_INTERNAL;
	}
	if (ch->pid == 0) {
		close(p[0]);
		child_main(b, c, trace, ch->progress, p[1]);
	}
	/* Closed before the next fork, so only this child holds the write end
	 * and its exit means EOF. */
	close(p[1]);
	ch->fd = p[0];
	fcntl(ch->fd, F_SETFD, FD_CLOEXEC);
	return SD_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void child_read(struct child *ch)
{
	uint8_t buf[65536];
	ssize_t r = read(ch->fd, buf, sizeof(buf));

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		close(ch->fd);
		ch->fd = -1;
		return;
	}
	if (!ch->overflow && sbuf_put(&ch->data, buf, (size_t)r) != SD_OK)
		ch->overflow = true;
}

/* Reads every pipe until EOF or the deadline. */
static void collect(struct child *ch, size_t n, unsigned timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd[REPLAY_MAX_BACKENDS];
	size_t idx[REPLAY_MAX_BACKENDS];

	for (;;) {
		size_t np = 0;
		int64_t left = deadline - now_ms();

		for (size_t i = 0; i < n; i++) {
			if (ch[i].fd < 0)
				continue;
			pfd[np] = (struct pollfd){.fd = ch[i].fd, .events = POLLIN};
			idx[np++] = i;
		}
		if (np == 0 || left <= 0)
			return;
		if (poll(pfd, np, (int)left) < 0 && errno != EINTR)
			return;
		for (size_t k = 0; k < np; k++)
			if (pfd[k].revents)
				child_read(&ch[idx[k]]);
	}
}

/* Every step gets the same verdict (a backend that failed itself). */
static void mark_all(struct observations *obs, const struct sshdiff_case *c, enum verdict v, int sig)
{
	obs->n_steps = c->n_steps;
	for (unsigned i = 0; i < c->n_steps && i < CASE_MAX_STEPS; i++) {
		memset(&obs->steps[i], 0, sizeof(obs->steps[i]));
		obs->steps[i].verdict = v;
		obs->steps[i].signal = sig;
	}
	if (c->n_steps > 0) {
		verdict_format(&obs->steps[0], obs->outcome, sizeof(obs->outcome));
	} else {
		struct step_observation s = {.verdict = v, .signal = sig};

		verdict_format(&s, obs->outcome, sizeof(obs->outcome));
	}
}

/* A child that died or hung: placed at the step its actor had reached
 * (reached = index + 1, 0 if none; actor.h actor_set_progress_sink).
 * The steps before it were let pass, the ones after it never ran.  A
 * death after the script ended is placed at the last step. */
static void mark_fault(struct observations *obs, const struct sshdiff_case *c, enum verdict v, int sig,
		       uint32_t reached)
{
	unsigned n = c->n_steps < CASE_MAX_STEPS ? c->n_steps : CASE_MAX_STEPS;
	unsigned at = reached == 0 ? 0 : reached - 1;

	if (n == 0) {
		mark_all(obs, c, v, sig);
		return;
	}
	if (at >= n)
		at = n - 1;
	obs->n_steps = c->n_steps;
	for (unsigned i = 0; i < n; i++) {
		memset(&obs->steps[i], 0, sizeof(obs->steps[i]));
		obs->steps[i].verdict = i < at ? VERDICT_ACCEPT : i == at ? v : VERDICT_NOT_REACHED;
	}
	obs->steps[at].signal = sig;
	verdict_format(&obs->steps[at], obs->outcome, sizeof(obs->outcome));
	if (v == VERDICT_CRASH || v == VERDICT_HANG) {
		size_t len = strlen(obs->outcome);

		snprintf(obs->outcome + len, sizeof(obs->outcome) - len, " at step %u", at);
	}
}

/* Backends fill fixed char arrays, possibly badly: force every one to end
 * in NUL before anyone uses them as strings. */
static void terminate_strings(struct observations *o)
{
	o->backend[sizeof(o->backend) - 1] = '\0';
	o->version[sizeof(o->version) - 1] = '\0';
	o->kex[sizeof(o->kex) - 1] = '\0';
	o->hostkey[sizeof(o->hostkey) - 1] = '\0';
	o->cipher_cs[sizeof(o->cipher_cs) - 1] = '\0';
	o->cipher_sc[sizeof(o->cipher_sc) - 1] = '\0';
	o->mac_cs[sizeof(o->mac_cs) - 1] = '\0';
	o->mac_sc[sizeof(o->mac_sc) - 1] = '\0';
	o->outcome[sizeof(o->outcome) - 1] = '\0';
	for (unsigned i = 0; i < CASE_MAX_STEPS; i++)
		o->steps[i].rule[sizeof(o->steps[i].rule) - 1] = '\0';
	if (o->n_steps > CASE_MAX_STEPS)
		o->n_steps = CASE_MAX_STEPS;
}

/* A whole frame: the observations (and trace) the child sent. */
static bool parse_frame(const struct sbuf *d, const struct sshdiff_case *c, struct backend_result *r)
{
	uint32_t err, tlen;

	if (d->len < FRAME_HEAD || memcmp(d->data, FRAME_MAGIC, 4) != 0)
		return false;
	tlen = get_u32(d->data + FRAME_HEAD - 4);
	if (d->len != FRAME_HEAD + tlen)
		return false;
	err = get_u32(d->data + 4);
	memcpy(&r->obs, d->data + 8, sizeof(r->obs));
	terminate_strings(&r->obs);
	if (sbuf_put(&r->trace, d->data + FRAME_HEAD, tlen) != SD_OK)
		sbuf_reset(&r->trace);
	if (err != SD_OK) {
		/* The backend failed itself: nothing it says about the IUT counts
		 * (compare_backend_ran ignores "error:" outcomes). */
		char version[sizeof(r->obs.version)];

		memcpy(version, r->obs.version, sizeof(version));
		memset(&r->obs, 0, sizeof(r->obs));
		memcpy(r->obs.version, version, sizeof(version));
		mark_all(&r->obs, c, VERDICT_NOT_REACHED, 0);
		snprintf(r->obs.outcome, sizeof(r->obs.outcome), "error: %s", sd_err_rule((sd_err)err));
	}
	return true;
}

static void child_finish(struct child *ch, const struct backend *b, const struct sshdiff_case *c,
			 struct backend_result *r)
{
	int status = 0;
	bool hung = ch->fd >= 0;

	if (hung) {
		kill(ch->pid, SIGKILL);
		close(ch->fd);
		ch->fd = -1;
	}
	while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
		;
	memset(&r->obs, 0, sizeof(r->obs));
	if (hung) {
		mark_fault(&r->obs, c, VERDICT_HANG, 0, *ch->progress);
	} else if (!ch->overflow && parse_frame(&ch->data, c, r)) {
		/* whole report: whatever the exit status */
	} else if (WIFSIGNALED(status)) {
		mark_fault(&r->obs, c, VERDICT_CRASH, WTERMSIG(status), *ch->progress);
	} else {
		/* Died without a report and without a signal (a sanitizer's exit,
		 * exit() in a library): a crash all the same. */
		size_t len;

		mark_fault(&r->obs, c, VERDICT_CRASH, 0, *ch->progress);
		len = strlen(r->obs.outcome);
		snprintf(r->obs.outcome + len, sizeof(r->obs.outcome) - len, " (exit status %d)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	child_unmap(ch);
	snprintf(r->obs.backend, sizeof(r->obs.backend), "%s", b->name);
	if (!r->obs.version[0])
		snprintf(r->obs.version, sizeof(r->obs.version), "%s", b->version());
	sbuf_free(&ch->data);
}

sd_err replay_run_backends(const struct sshdiff_case *c, const struct replay_opts *o, struct backend_result *out)
{
	struct child ch[REPLAY_MAX_BACKENDS];
	size_t started = 0;
	sd_err err = SD_OK;

	for (size_t i = 0; i < o->n_backends; i++) {
		out[i].trace = SBUF_INIT;
		memset(&out[i].obs, 0, sizeof(out[i].obs));
	}
	for (; started < o->n_backends; started++)
		if ((err = child_start(&ch[started], o->backends[started], c, o->trace)) != SD_OK)
			break;
	if (err != SD_OK) {
		/* Could not start them all: stop the ones running, report none. */
		for (size_t i = 0; i < started; i++) {
			kill(ch[i].pid, SIGKILL);
			close(ch[i].fd);
			waitpid(ch[i].pid, NULL, 0);
			sbuf_free(&ch[i].data);
			child_unmap(&ch[i]);
		}
		return err;
	}
	collect(ch, o->n_backends, o->timeout_ms);
	for (size_t i = 0; i < o->n_backends; i++)
		child_finish(&ch[i], o->backends[i], c, &out[i]);
	return SD_OK;
}
