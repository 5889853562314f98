/*
 * actor_wire.c — the actor's bytes: its identification line, its packets
 * (proto/packet.h, honouring STEP_ENCRYPTION), and the IUT's: the
 * identification line (RFC 4253 section 4.2; lines before it are skipped,
 * as a client must) and packets opened with the keys the actor derived.
 *
 * keys_ok (RFC 4253 section 7.2): the first packet the IUT sends after its
 * NEWKEYS must open — decrypt and authenticate — under the keys the actor
 * derived; when it does not, the IUT's keys are wrong and the connection is
 * over for the actor.
 */
#include "oracle/actor_impl.h"

#include <string.h>

sd_err actor_wire_start(struct actor *a)
{
	struct span v = span_cstr(a->c->actor_version);
	sd_err e;

	if ((e = sbuf_put(&a->out, v.p, v.len)) != SD_OK || (e = sbuf_put(&a->out, "\r\n", 2)) != SD_OK)
		return e;
	return actor_ev_add(a, EV_VERSION_OUT, -1, -1, v);
}

sd_err actor_seal(struct actor *a, struct span payload, int step, int cm)
{
	size_t start = a->out.len;
	uint32_t seqnr = a->tx.seqnr;
	sd_err e;

	if (a->tx_plain) {
		/* STEP_ENCRYPTION 0: no cipher, but the sequence number runs on
		 * (RFC 4253 section 6.4: it counts every packet). */
		struct packet_dir plain;
		packet_dir_init(&plain);
		plain.seqnr = a->tx.seqnr;
		e = packet_seal(&plain, &a->rng.base, payload, &a->out);
		a->tx.seqnr = plain.seqnr;
		packet_dir_free(&plain);
	} else {
		e = packet_seal(&a->tx, &a->rng.base, payload, &a->out);
	}
	if (e != SD_OK)
		return e;
	sbuf_reset(&a->last_wire);
	if ((e = sbuf_put(&a->last_wire, a->out.data + start, a->out.len - start)) != SD_OK)
		return e;
	if ((e = actor_ev_add(a, EV_SENT, step, cm, payload)) != SD_OK)
		return e;
	a->ev[a->n_ev - 1].seqnr = seqnr;
	a->ev[a->n_ev - 1].wire_len = a->out.len - start;
	a->ev[a->n_ev - 1].plain = a->tx_plain || !a->tx.cipher;
	return SD_OK;
}

sd_err actor_raw(struct actor *a, struct span bytes, int step)
{
	sd_err e = sbuf_put(&a->out, bytes.p, bytes.len);

	if (e == SD_OK)
		e = actor_ev_add(a, EV_RAW, step, -1, bytes);
	return e;
}

/* The IUT's identification line; lines before it are skipped. */
static sd_err version_input(struct actor *a)
{
	while (!a->version_done && a->in.len) {
		uint8_t *lf = memchr(a->in.data, '\n', a->in.len);
		if (!lf) {
			if (a->version_bytes + a->in.len > ACTOR_MAX_VERSION_BYTES)
				actor_set_end(a, END_GARBAGE, 0);
			return SD_OK;
		}
		size_t line = (size_t)(lf - a->in.data) + 1;
		a->version_bytes += line;
		if (a->version_bytes > ACTOR_MAX_VERSION_BYTES) {
			actor_set_end(a, END_GARBAGE, 0);
			return SD_OK;
		}
		if (line >= 4 && memcmp(a->in.data, "SSH-", 4) == 0) {
			size_t n = line - 1;
			if (n && a->in.data[n - 1] == '\r')
				n--;
			if (n >= sizeof a->iut_version)
				n = sizeof a->iut_version - 1;
			memcpy(a->iut_version, a->in.data, n);
			a->iut_version[n] = '\0';
			a->version_done = true;
			sd_err e = actor_ev_add(a, EV_VERSION_IN, -1, -1, (struct span){a->in.data, n});
			sbuf_consume(&a->in, line);
			return e;
		}
		sbuf_consume(&a->in, line);
	}
	return SD_OK;
}

/* A packet that does not open: what it means depends on the keys. */
static void open_failed(struct actor *a, sd_err why)
{
	switch (a->rxk) {
	case RXK_CHECKING:
	case RXK_MISSING:
		a->keys_checked = true;
		a->keys_ok = false;
		actor_note(a, "keys check FAILED: the IUT's first packet after its NEWKEYS does not open (%s)",
			   sd_err_rule(why));
		actor_set_end(a, END_KEYS, 0);
		break;
	case RXK_UNKNOWN:
		actor_lose(a, "the IUT's keys depend on values the actor cannot know");
		break;
	default:
		actor_note(a, "IUT packet does not open (%s)", sd_err_rule(why));
		actor_set_end(a, END_GARBAGE, 0);
		break;
	}
	sbuf_reset(&a->in);
}

static sd_err packets_input(struct actor *a)
{
	while (a->in.len && a->end == END_NONE && !a->stopped) {
		uint32_t seqnr = a->rx.seqnr;
		size_t used = 0;
		sd_err e;

		if (a->rxk == RXK_MISSING || a->rxk == RXK_UNKNOWN) {
			open_failed(a, SD_ERR_MAC);
			return SD_OK;
		}
		sbuf_reset(&a->payload);
		e = packet_open(&a->rx, sbuf_span(&a->in), &used, &a->payload);
		if (e == SD_AGAIN)
			return SD_OK;
		if (e == SD_ERR_NOMEM)
			return e;
		if (e != SD_OK) {
			open_failed(a, e);
			return SD_OK;
		}
		if (a->rxk == RXK_CHECKING) {
			a->rxk = RXK_VERIFIED;
			if (!a->keys_checked)
				a->keys_ok = true;
			a->keys_checked = true;
			actor_note(a, "keys check ok: the IUT's first packet after its NEWKEYS opens "
				      "under RFC 4253 7.2 keys");
		}
		if (a->payload.len == 0) {
			/* RFC 4253 section 6: a packet carries a message number. */
			actor_note(a, "IUT packet without payload (%s)", sd_err_rule(SD_ERR_EMPTY_PAYLOAD));
			actor_set_end(a, END_GARBAGE, 0);
			sbuf_reset(&a->in);
			return SD_OK;
		}
		if ((e = actor_ev_add(a, EV_RECV, -1, actor_classify(a, sbuf_span(&a->payload)),
				      sbuf_span(&a->payload))) != SD_OK)
			return e;
		a->ev[a->n_ev - 1].seqnr = seqnr;
		a->ev[a->n_ev - 1].wire_len = used;
		a->ev[a->n_ev - 1].plain = !a->rx.cipher;
		sbuf_consume(&a->in, used);
		if ((e = actor_recv(a, sbuf_span(&a->payload))) != SD_OK)
			return e;
	}
	return SD_OK;
}

sd_err actor_wire_input(struct actor *a)
{
	sd_err e;

	if (!a->version_done && (e = version_input(a)) != SD_OK)
		return e;
	if (!a->version_done)
		return SD_OK;
	return packets_input(a);
}
