/*
 * proc.c — engine and target processes that never outlive sshdiff.
 *
 * A fuzzer is a tree of processes: libFuzzer -fork runs its jobs through
 * the shell, afl-fuzz forks the target.  PR_SET_PDEATHSIG only reaches a
 * direct child, so each command runs under a guardian (a fork of sshdiff
 * that does nothing else):
 *
 *   sshdiff ── guardian ── command (own process group) ── its children
 *
 * The guardian learns that sshdiff is gone from PR_SET_PDEATHSIG (SIGTERM)
 * and, should that be missed, from the end of its lifeline pipe (sshdiff
 * holds the only write end); either way it signals the whole group, SIGTERM
 * then SIGKILL, and exits.  A stop request is the grace period written on
 * the same pipe.  The guardian exits with the command's status (128 + the
 * signal number for a signal), so the caller reads it as the command's.
 *
 * Not every descendant stays in the group: AFL++ starts its forkservers
 * (the target's and the CMPLOG binary's) with setsid(), and afl-fuzz,
 * stopped or killed, can leave them or the stopped target processes under
 * them running (seen: state T, parent 1, after most slots of a campaign,
 * and an hour later).  So the guardian is a child
 * subreaper (PR_SET_CHILD_SUBREAPER): whatever is orphaned below it becomes
 * its child rather than init's, and once the command has ended it kills
 * its children until it has none.
 */
#define _GNU_SOURCE
#include "replay/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GUARDIAN_GRACE_MS 3000 /* when sshdiff died without saying */
#define LIFELINE_FD 3
#define LEFTOVER_ROUNDS 250 /* x 20 ms: how long the guardian waits for them */

static volatile sig_atomic_t guardian_stop;

static void guardian_on_signal(int sig)
{
	(void)sig;
	guardian_stop = 1;
}

/* In the command's process, before exec. */
static void __attribute__((noreturn)) exec_command(char *const argv[], char *const env[], const char *out_path)
{
	static const int reset[] = {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD};
	sigset_t none;
	int fd;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		signal(reset[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		_exit(126);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	closefrom(STDERR_FILENO + 1);
	for (size_t i = 0; env && env[i]; i++)
		putenv(env[i]);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "sshdiff: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One read on the lifeline: a stop request (its grace), or EOF (sshdiff
 * is gone).  Returns the grace to apply, or -1 for nothing yet. */
static int64_t lifeline_read(void)
{
	uint32_t grace;
	ssize_t r = read(LIFELINE_FD, &grace, sizeof(grace));

	if (r == (ssize_t)sizeof(grace))
		return grace;
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return -1;
	return GUARDIAN_GRACE_MS;
}

/* The parent pid of a process, from /proc/PID/stat ("pid (comm) S ppid
 * ..."; comm may hold spaces and parentheses, so after the last ')');
 * -1 if it is gone. */
static pid_t parent_of(const char *pid)
{
	char path[64], buf[512];
	const char *p;
	ssize_t n;
	int fd;
	long ppid;

	if ((size_t)snprintf(path, sizeof(path), "/proc/%s/stat", pid) >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

/* SIGKILL to every child of ours (the subreaper's orphans included). */
static void kill_children(void)
{
	pid_t self = getpid();
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && parent_of(e->d_name) == self)
			kill((pid_t)atol(e->d_name), SIGKILL);
	closedir(d);
}

/* Kills and reaps children until there are none: each killed forkserver
 * hands its own children to us, which the next round kills. */
static void kill_leftovers(void)
{
	for (int round = 0; round < LEFTOVER_ROUNDS; round++) {
		pid_t w;

		kill_children();
		while ((w = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (w < 0 && errno == ECHILD)
			return;
		poll(NULL, 0, 20);
	}
}

/* Reaps whatever ended (orphans that became ours too); true when the
 * command itself did, its status in *status. */
static bool reap(pid_t child, int *status)
{
	bool done = false;
	int st;
	pid_t w;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0)
		if (w == child) {
			*status = st;
			done = true;
		}
	return done;
}

static void __attribute__((noreturn)) guardian_main(pid_t parent, char *const argv[], char *const env[],
						    const char *out_path)
{
	struct sigaction sa;
	int64_t kill_at = -1;
	pid_t child;
	int status = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guardian_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Died before the line above: nobody would send the signal. */
	if (getppid() != parent)
		guardian_stop = 1;
	closefrom(LIFELINE_FD + 1);
	child = fork();
	if (child < 0)
		_exit(126);
	if (child == 0) {
		close(LIFELINE_FD);
		exec_command(argv, env, out_path);
	}
	setpgid(child, child); /* no race with the child's own setpgid */
	for (;;) {
		struct pollfd pfd = {.fd = LIFELINE_FD, .events = POLLIN};

		if (reap(child, &status))
			break;
		if (kill_at < 0) {
			int64_t grace = guardian_stop ? GUARDIAN_GRACE_MS : -1;

			if (grace < 0 && poll(&pfd, 1, 100) > 0)
				grace = lifeline_read();
			if (grace >= 0) {
				kill(-child, SIGTERM);
				kill_at = mono_ms() + grace;
			}
		} else {
			if (mono_ms() >= kill_at)
				kill(-child, SIGKILL);
			poll(NULL, 0, 20);
		}
	}
	/* Whatever the command left running goes with it: its group, then
	 * what left the group (see the top of this file). */
	kill(-child, SIGKILL);
	kill_leftovers();
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 126);
}

sd_err proc_start(struct proc *p, char *const argv[], char *const env[], const char *out_path)
{
	pid_t parent = getpid();
	int line[2];

	p->pid = -1;
	p->ctl = -1;
	p->running = false;
	p->status = -1;
	if (pipe2(line, O_CLOEXEC) != 0)
		return SD_ERR_INTERNAL;
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	if (p->pid < 0) {
		close(line[0]);
		close(line[1]);
		return SD_ERR_INTERNAL;
	}
	if (p->pid == 0) {
		close(line[1]);
		if (dup2(line[0], LIFELINE_FD) < 0)
			_exit(126);
		guardian_main(parent, argv, env, out_path);
	}
	close(line[0]);
	p->ctl = line[1];
	p->running = true;
	return SD_OK;
}

static void reaped(struct proc *p, int wstatus)
{
	p->running = false;
	p->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	if (p->ctl >= 0)
		close(p->ctl);
	p->ctl = -1;
}

bool proc_poll(struct proc *p)
{
	int wstatus;
	pid_t w;

	if (!p->running)
		return false;
	w = waitpid(p->pid, &wstatus, WNOHANG);
	if (w == p->pid)
		reaped(p, wstatus);
	else if (w < 0 && errno != EINTR)
		reaped(p, 0);
	return p->running;
}

void proc_stop(struct proc *p, unsigned grace_ms)
{
	uint32_t grace = grace_ms;
	int wstatus = 0;

	if (!p->running)
		return;
	if (write(p->ctl, &grace, sizeof(grace)) != (ssize_t)sizeof(grace))
		kill(p->pid, SIGTERM);
	while (waitpid(p->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	reaped(p, wstatus);
}

sd_err proc_run(char *const argv[], char *const env[], const char *out_path, unsigned timeout_ms, int *status,
		bool *timed_out)
{
	int64_t deadline = mono_ms() + timeout_ms;
	struct proc p;
	sd_err err;

	*timed_out = false;
	if ((err = proc_start(&p, argv, env, out_path)) != SD_OK)
		return err;
	while (proc_poll(&p)) {
		if (mono_ms() >= deadline) {
			*timed_out = true;
			proc_stop(&p, 500);
			break;
		}
		fuzz_tick();
		poll(NULL, 0, 10);
	}
	*status = p.status;
	return SD_OK;
}
