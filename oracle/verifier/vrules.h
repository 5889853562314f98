/*
 * vrules.h — every decision the verifier can name.
 *
 * The verifier shares no code with proto/, not even its error type: a rule
 * here is a plain enum and its identifier a string that must be one of the
 * rows of docs/rules.md (tests/unit/test_verifier.c checks every one).  The
 * same identifier in two independent models is what makes a divergence
 * readable: "own rejected by RFC8731-3, verifier too, libssh accepted".
 *
 * VR_OK is success; every verifier function returns an enum vrule.
 */
#ifndef SSHDIFF_VERIFIER_VRULES_H
#define SSHDIFF_VERIFIER_VRULES_H

#include <stddef.h>

/* X(constant, "identifier of docs/rules.md") */
#define VRULES(X)                                                        \
	X(VR_OK, "ok")                                                   \
	/* the verifier's own limits and outcomes */                     \
	X(VR_NOMEM, "impl-nomem")                                        \
	X(VR_INTERNAL, "impl-internal")                                  \
	X(VR_UNSUPPORTED, "impl-unsupported")                            \
	X(VR_LIMIT, "impl-limit")                                        \
	X(VR_EOF, "impl-eof")                                            \
	X(VR_BANNER_LINES, "impl-banner-lines")                          \
	X(VR_TRAILING, "impl-trailing-data")                             \
	X(VR_RSA_KEY_SIZE, "impl-rsa-key-size")                          \
	X(VR_HOSTKEY_UNTRUSTED, "impl-hostkey-untrusted")                \
	/* RFC 4251 section 5: data types */                             \
	X(VR_TRUNCATED, "RFC4251-5")                                     \
	X(VR_MPINT, "RFC4251-5-mpint")                                   \
	X(VR_MPINT_SIGN, "RFC4251-5-mpint-sign")                         \
	X(VR_NAMELIST, "RFC4251-5-name-list")                            \
	/* RFC 4253 sections 4.2 and 5: identification */                \
	X(VR_VERSION_LENGTH, "RFC4253-4.2-length")                       \
	X(VR_VERSION_SYNTAX, "RFC4253-4.2-syntax")                       \
	X(VR_VERSION_PROTO, "RFC4253-5")                                 \
	X(VR_VERSION_LINES, "RFC4253-4.2-lines")                         \
	/* RFC 4253 section 6: binary packet protocol */                 \
	X(VR_PACKET_LENGTH, "RFC4253-6.1")                               \
	X(VR_PADDING, "RFC4253-6-padding")                               \
	X(VR_PADDING_LENGTH, "RFC4253-6-padding-length")                 \
	X(VR_BLOCK, "RFC4253-6-block")                                   \
	X(VR_MAC, "RFC4253-6.4")                                         \
	X(VR_PAYLOAD, "RFC4253-6-payload")                               \
	/* RFC 4253 section 7: negotiation and the exchange itself */    \
	X(VR_KEXINIT_RESERVED, "RFC4253-7.1-reserved")                   \
	X(VR_KEXINIT_LIST, "RFC4253-7.1-name-list")                      \
	X(VR_NO_KEX, "RFC4253-7.1-kex")                                  \
	X(VR_NO_HOSTKEY, "RFC4253-7.1-hostkey")                          \
	X(VR_NO_CIPHER, "RFC4253-7.1-cipher")                            \
	X(VR_NO_MAC, "RFC4253-7.1-mac")                                  \
	X(VR_NO_COMP, "RFC4253-7.1-compression")                         \
	X(VR_KEX_ONLY, "RFC4253-7.1-kex-only")                           \
	X(VR_NEWKEYS, "RFC4253-7.3")                                     \
	X(VR_UNEXPECTED, "RFC4253-7")                                    \
	/* key exchange methods */                                       \
	X(VR_DH_RANGE, "RFC4253-8")                                      \
	X(VR_GEX_REQUEST, "RFC4419-3-request")                           \
	X(VR_GEX_GROUP, "RFC4419-3")                                     \
	X(VR_ECDH_POINT, "RFC5656-4")                                    \
	X(VR_X25519_LENGTH, "RFC8731-3-length")                          \
	X(VR_X25519_ZERO, "RFC8731-3")                                   \
	/* host keys and signatures */                                   \
	X(VR_KEY_BLOB, "RFC4253-6.6")                                    \
	X(VR_KEY_TYPE, "RFC4253-6.6-key-type")                           \
	X(VR_SIG_NAME, "RFC4253-6.6-sig-name")                           \
	X(VR_SIGNATURE, "RFC4253-8-signature")                           \
	X(VR_RSA_HASH, "RFC8332-3")                                      \
	X(VR_ED25519_S, "RFC8032-5.1.7")                                 \
	/* OpenSSH PROTOCOL strict kex, RFC 8308 extension negotiation */ \
	X(VR_STRICT_KEX, "PROTOCOL-strict-kex")                          \
	X(VR_STRICT_KEX_FIRST, "PROTOCOL-strict-kex-first")              \
	X(VR_EXT_INFO_UNSOLICITED, "RFC8308-2.2")                        \
	X(VR_EXT_INFO_POSITION, "RFC8308-2.4")                           \
	/* services and user authentication */                           \
	X(VR_SERVICE, "RFC4253-10")                                      \
	X(VR_SUCCESS_FROM_CLIENT, "RFC4252-5.1")                         \
	X(VR_WRONG_DIRECTION, "RFC4252-5")                               \
	X(VR_CONN_BEFORE_AUTH, "RFC4252-6")                              \
	X(VR_USERAUTH_SIG, "RFC4252-7")                                  \
	X(VR_USERAUTH_ALG, "RFC4252-7-alg")                              \
	X(VR_PK_OK, "RFC4252-7-pk-ok")                                   \
	X(VR_PEER_DISCONNECT, "RFC4253-11.1")                            \
	X(VR_AUTH_FAILED, "RFC4252-5.1-failure")

#define VR_ENUM_(name, id) name,
enum vrule { VRULES(VR_ENUM_) VR_COUNT_ };
#undef VR_ENUM_

/* "RFC4253-8"; "ok" for VR_OK; "?" out of range. */
const char *vrule_id(enum vrule r);

#endif
