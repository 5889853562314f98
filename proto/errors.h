/*
 * errors.h — every way a byte string or a peer can break the protocol.
 *
 * Each error is a value naming the rule that was broken, with a stable
 * identifier (RFC number + section, or "PROTOCOL-..." for OpenSSH's PROTOCOL
 * file, or "impl-..." for a limit that is an implementation choice rather than
 * an RFC MUST).  The identifiers are what observations, divergence signatures
 * and the verifier use, so they never change once published: add new ones at
 * the end of a group, never rename.
 *
 * Functions return sd_err; SD_OK is success, SD_AGAIN "need more input".
 */
#ifndef SSHDIFF_PROTO_ERRORS_H
#define SSHDIFF_PROTO_ERRORS_H

/* X(constant, "rule id", "what was wrong") */
#define SD_ERRORS(X)                                                                  \
	/* not protocol violations */                                                     \
	X(SD_OK, "ok", "success")                                                         \
	X(SD_AGAIN, "again", "more input needed")                                         \
	X(SD_ERR_NOMEM, "impl-nomem", "out of memory")                                    \
	X(SD_ERR_INTERNAL, "impl-internal", "crypto library or internal failure")         \
	X(SD_ERR_INVALID_ARG, "impl-api", "invalid argument to an engine function")       \
	X(SD_ERR_UNSUPPORTED, "impl-unsupported", "algorithm or feature not supported")   \
	X(SD_ERR_LIMIT, "impl-limit", "implementation size limit exceeded")               \
	X(SD_ERR_EOF, "impl-eof", "peer closed the connection")                           \
	X(SD_ERR_KEY_FILE, "impl-key-file", "unusable key file")                          \
	/* RFC 4251 section 5: data type representations */                              \
	X(SD_ERR_TRUNCATED, "RFC4251-5", "field runs past the end of the data")           \
	X(SD_ERR_TRAILING, "impl-trailing-data", "bytes left after the last field")       \
	X(SD_ERR_MPINT_NONCANONICAL, "RFC4251-5-mpint", "mpint not minimally encoded")    \
	X(SD_ERR_MPINT_NEGATIVE, "RFC4251-5-mpint-sign", "negative mpint where a positive one is required") \
	X(SD_ERR_NAMELIST, "RFC4251-5-name-list", "malformed name-list")                  \
	/* RFC 4253 section 4.2 / 5: identification string */                             \
	X(SD_ERR_VERSION_LENGTH, "RFC4253-4.2-length", "identification line longer than 255 bytes") \
	X(SD_ERR_VERSION_SYNTAX, "RFC4253-4.2-syntax", "malformed identification line")   \
	X(SD_ERR_VERSION_PROTO, "RFC4253-5", "protocol version is not 2.0 (or 1.99)")     \
	X(SD_ERR_VERSION_PREBANNER, "RFC4253-4.2-lines", "client sent lines before its identification string") \
	X(SD_ERR_VERSION_TOO_MANY_LINES, "impl-banner-lines", "too many lines before the identification string") \
	/* RFC 4253 section 6: binary packet protocol */                                  \
	X(SD_ERR_PACKET_LENGTH, "RFC4253-6.1", "packet_length too short for the padding or the first block") \
	X(SD_ERR_PADDING_SHORT, "RFC4253-6-padding", "fewer than 4 bytes of padding")     \
	X(SD_ERR_PADDING_LENGTH, "RFC4253-6-padding-length", "padding_length leaves no room for a payload") \
	X(SD_ERR_BLOCK_ALIGN, "RFC4253-6-block", "packet not a multiple of the block size") \
	X(SD_ERR_MAC, "RFC4253-6.4", "MAC or authentication tag does not verify")        \
	X(SD_ERR_EMPTY_PAYLOAD, "RFC4253-6-payload", "packet without a message number")  \
	/* RFC 4253 section 7: algorithm negotiation */                                   \
	X(SD_ERR_KEXINIT_RESERVED, "RFC4253-7.1-reserved", "KEXINIT reserved field is not 0") \
	X(SD_ERR_KEXINIT_NAMELIST, "RFC4253-7.1-name-list", "empty KEXINIT name-list where one is required") \
	X(SD_ERR_NO_COMMON_KEX, "RFC4253-7.1-kex", "no common key exchange method")       \
	X(SD_ERR_NO_COMMON_HOSTKEY, "RFC4253-7.1-hostkey", "no common host key algorithm") \
	X(SD_ERR_NO_COMMON_CIPHER, "RFC4253-7.1-cipher", "no common encryption algorithm") \
	X(SD_ERR_NO_COMMON_MAC, "RFC4253-7.1-mac", "no common MAC algorithm")             \
	X(SD_ERR_NO_COMMON_COMPRESSION, "RFC4253-7.1-compression", "no common compression algorithm") \
	X(SD_ERR_KEX_UNEXPECTED, "RFC4253-7.1-kex-only", "non-key-exchange message during key exchange") \
	X(SD_ERR_NEWKEYS_EARLY, "RFC4253-7.3", "NEWKEYS before the key exchange finished") \
	X(SD_ERR_UNEXPECTED_MESSAGE, "RFC4253-7", "message not valid in this state")      \
	/* key exchange methods */                                                        \
	X(SD_ERR_DH_RANGE, "RFC4253-8", "DH public value not in [2, p-2]")               \
	X(SD_ERR_GEX_REQUEST, "RFC4419-3-request", "group exchange request with min > n or n > max") \
	X(SD_ERR_GEX_GROUP, "RFC4419-3", "group exchange group outside the requested bounds or invalid") \
	X(SD_ERR_ECDH_POINT, "RFC5656-4", "ECDH public key not a valid uncompressed curve point") \
	X(SD_ERR_X25519_LENGTH, "RFC8731-3-length", "X25519 public key is not 32 bytes")         \
	X(SD_ERR_X25519_ZERO, "RFC8731-3", "X25519 shared secret is all zero")         \
	/* host keys and signatures */                                                    \
	X(SD_ERR_KEY_BLOB, "RFC4253-6.6", "malformed public key blob")                   \
	X(SD_ERR_KEY_TYPE, "RFC4253-6.6-key-type", "key type does not match the negotiated algorithm") \
	X(SD_ERR_SIG_NAME, "RFC4253-6.6-sig-name", "signature algorithm name differs from the negotiated one") \
	X(SD_ERR_SIGNATURE, "RFC4253-8-signature", "signature does not verify")          \
	X(SD_ERR_RSA_SIG_HASH, "RFC8332-3", "rsa-sha2-* signature made with another hash") \
	X(SD_ERR_ED25519_NONCANONICAL, "RFC8032-5.1.7", "Ed25519 signature with S >= L")  \
	X(SD_ERR_RSA_KEY_SIZE, "impl-rsa-key-size", "RSA key smaller than 1024 bits")     \
	X(SD_ERR_HOSTKEY_UNTRUSTED, "impl-hostkey-untrusted", "host key is not the expected one") \
	/* OpenSSH PROTOCOL: strict key exchange (CVE-2023-48795) */                      \
	X(SD_ERR_STRICT_KEX, "PROTOCOL-strict-kex", "non-KEX message before the first NEWKEYS under strict kex") \
	X(SD_ERR_STRICT_KEX_FIRST, "PROTOCOL-strict-kex-first", "first packet is not KEXINIT under strict kex") \
	/* RFC 8308: extension negotiation */                                             \
	X(SD_ERR_EXT_INFO_UNSOLICITED, "RFC8308-2.2", "EXT_INFO without ext-info-c/-s offered") \
	X(SD_ERR_EXT_INFO_POSITION, "RFC8308-2.4", "EXT_INFO at a place it may not be sent") \
	/* RFC 4253 section 10, RFC 4252: service request and user authentication */      \
	X(SD_ERR_SERVICE, "RFC4253-10", "service not requested first, or not available") \
	X(SD_ERR_USERAUTH_SUCCESS_FROM_CLIENT, "RFC4252-5.1", "USERAUTH_SUCCESS sent by the client") \
	X(SD_ERR_WRONG_DIRECTION, "RFC4252-5", "message sent in the wrong direction")     \
	X(SD_ERR_CONNECTION_BEFORE_AUTH, "RFC4252-6", "connection-layer message before authentication") \
	X(SD_ERR_USERAUTH_SIGNATURE, "RFC4252-7", "publickey authentication signature does not verify") \
	X(SD_ERR_USERAUTH_ALG, "RFC4252-7-alg", "public key algorithm does not match the key blob") \
	X(SD_ERR_PK_OK_MISMATCH, "RFC4252-7-pk-ok", "PK_OK does not echo the queried algorithm and key") \
	/* outcomes that end a connection without a violation by us */                    \
	X(SD_ERR_PEER_DISCONNECT, "RFC4253-11.1", "peer sent DISCONNECT")                 \
	X(SD_ERR_AUTH_FAILED, "RFC4252-5.1-failure", "authentication failed")

typedef enum sd_err {
#define SD_ERR_ENUM_(name, id, text) name,
	SD_ERRORS(SD_ERR_ENUM_)
#undef SD_ERR_ENUM_
	SD_ERR_COUNT_
} sd_err;

/* Stable rule identifier, e.g. "RFC8731-3"; "?" for an out-of-range value. */
const char *sd_err_rule(sd_err e);
/* The C constant's name, e.g. "SD_ERR_X25519_ZERO" (for tests and traces). */
const char *sd_err_name(sd_err e);
/* One-line human description. */
const char *sd_err_text(sd_err e);

#endif
