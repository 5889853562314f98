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
 */
#define _GNU_SOURCE
#include "replay/fuzz.h"

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
		pid_t w = waitpid(child, &status, WNOHANG);

		if (w == child)
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
	/* Whatever the command left running in its group goes with it. */
	kill(-child, SIGKILL);
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
