#include "pump.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static void set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

sd_err pump_step(struct machine *m, int rfd, int wfd, bool *progress, bool *eof)
{
	*progress = false;
	*eof = false;
	set_nonblocking(rfd);
	set_nonblocking(wfd);

	struct span out = machine_output(m);
	if (out.len > 0) {
		ssize_t n = write(wfd, out.p, out.len);
		if (n > 0) {
			machine_output_consume(m, (size_t)n);
			*progress = true;
		} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			/* The peer went away while we still had bytes for it. */
			*eof = true;
		}
	}

	uint8_t buf[16384];
	ssize_t n = read(rfd, buf, sizeof buf);
	if (n > 0) {
		*progress = true;
		return machine_input(m, buf, (size_t)n);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		*eof = true;
		machine_input_eof(m);
	}
	return machine_result(m)->error;
}

void pump_flush(struct machine *m, int wfd, int timeout_ms)
{
	set_nonblocking(wfd);
	while (machine_output(m).len > 0) {
		struct pollfd p = {.fd = wfd, .events = POLLOUT};
		if (poll(&p, 1, timeout_ms) <= 0)
			return;
		struct span out = machine_output(m);
		ssize_t n = write(wfd, out.p, out.len);
		if (n <= 0 && errno != EAGAIN && errno != EINTR)
			return;
		if (n > 0)
			machine_output_consume(m, (size_t)n);
	}
}

sd_err pump_run(struct machine *m, int rfd, int wfd, int timeout_ms)
{
	for (;;) {
		bool progress, eof;
		sd_err e = pump_step(m, rfd, wfd, &progress, &eof);
		if (machine_done(m) || e != SD_OK) {
			pump_flush(m, wfd, timeout_ms);
			return machine_result(m)->error;
		}
		if (eof)
			return machine_result(m)->error != SD_OK ? machine_result(m)->error : SD_ERR_EOF;
		if (!progress) {
			struct pollfd p[2] = {{.fd = rfd, .events = POLLIN},
					      {.fd = wfd, .events = machine_output(m).len ? POLLOUT : 0}};
			int r = poll(p, 2, timeout_ms);
			if (r == 0)
				return SD_AGAIN;
		}
	}
}
