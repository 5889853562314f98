/*
 * pump.h — moves bytes between an engine machine and a real peer on a file
 * descriptor (socketpair, pipe pair or loopback socket).  The engine is
 * sans-IO; this is the only IO the interop tests add around it.
 */
#ifndef SSHDIFF_TESTS_PUMP_H
#define SSHDIFF_TESTS_PUMP_H

#include <stdbool.h>

#include "proto/machine.h"

/* One non-blocking round: write what the machine has queued to wfd, read
 * what is available on rfd into the machine.  *progress tells whether any
 * byte moved; *eof whether the peer closed.  Returns the machine's status
 * (SD_OK while the connection goes on) or SD_ERR_INTERNAL on an IO error. */
sd_err pump_step(struct machine *m, int rfd, int wfd, bool *progress, bool *eof);

/* Steps until the machine is done (see machine_done) or closed, the peer
 * closes, or nothing moves for timeout_ms.  Then flushes what the machine
 * still has queued.  Returns the machine's result error, SD_ERR_EOF if the
 * peer closed first, or SD_AGAIN on time-out. */
sd_err pump_run(struct machine *m, int rfd, int wfd, int timeout_ms);

/* Writes out whatever the machine has queued (blocking, bounded by timeout_ms). */
void pump_flush(struct machine *m, int wfd, int timeout_ms);

#endif
