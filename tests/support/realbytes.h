/*
 * realbytes.h — bytes real peers sent, captured once, for tests that must
 * not depend on our own encoder to build their input.
 */
#ifndef SSHDIFF_TESTS_REALBYTES_H
#define SSHDIFF_TESTS_REALBYTES_H

/* The client KEXINIT payload of OpenSSH_9.2p1 Debian-2+deb12u10, captured
 * from `ssh` connecting to a listener that answered with a version line and
 * saved the first binary packet (padding stripped); hex. */
extern const char openssh92_kexinit_hex[];

#endif
