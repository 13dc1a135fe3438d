// SPDX-License-Identifier: MIT
/*
 * session.c - the sync session with one peer, as a state machine over
 * byte messages (sans-I/O: no sockets, no clock; time is a parameter).
 *
 * Invariants:
 *  S1. A DELTA is acknowledged only once the transaction that applied it
 *      is on disk: at once, or, in a grouped session, at the
 *      sync_session_flush() that ends the group (the context's: every
 *      grouped session of it shares one transaction; the first flush
 *      commits it). A group whose commit fails is rolled back and the
 *      ACKs held for it are dropped: the peers send those chunks again.
 *      A session that is not grouped first ends a group another session
 *      of its context left open, then applies in its own transaction.
 *  S2. Every DELTA sent stays outstanding until an ACK names its id; an
 *      outstanding DELTA is resent once rto_ms have passed since it was
 *      last sent. So a lost, duplicated or reordered message only delays.
 *  S3. peer_vv only grows: it is the peer's HELLO, raised by what its
 *      ACKs report held, by what outstanding chunks carry and by what the
 *      peer's own DELTAs brought. A delta is built from it, so no commit
 *      the peer acknowledged or sent is sent to it again.
 *  S4. A message that does not verify is dropped and counted; it changes
 *      nothing and is never acknowledged. Every HELLO and ACK after the
 *      first HELLO must come from the same peer key.
 *  S5. A DELTA refused only for a gap (commits missing before it) is not
 *      acknowledged. The session holds a copy (at most SYNC_HOLD_MAX
 *      chunks, SYNC_HOLD_BYTES bytes) and applies it again, in the order
 *      held, after each DELTA that applies without a gap, until none
 *      progresses; one that applies then is acknowledged like any other.
 *      A chunk the hold has no room for waits for the peer's resend. A
 *      gap is never counted as a refusal (sync_report).
 * S10. Input is typed (struct sync_input_result): every message gets a
 *      kind and, when refused, its ERR_ code; nothing else of the session
 *      depends on the caller reading it.
 *  S6. A HELLO asks for the scopes this node merges and those it relays
 *      (sync_options.relay), not for every scope: a station on a thin link
 *      gets its own data, the county's, and that of the stations that
 *      sync through it, never the whole county's. A station learns to
 *      relay for an enrolled station when that station starts a session
 *      with it, before it answers that station's HELLO.
 *  S7. A DELTA carries opened ranges (sync/trust.c O1) only of the scopes
 *      the peer can read by its statement, looked up by the key that
 *      signed its HELLO: every scope for a hub, its own for a station,
 *      none for an unknown key or without trust.
 *  S8. After each HELLO it sends, a node that has a time to say sends one
 *      TIME (docs/protocol.md "TIME"); a TIME that verifies and comes
 *      from the session's peer is noted in the report, never acted on
 *      here (node/ judges whose clock it is). An older peer counts it
 *      as one refused chunk and goes on. A HELLO in format 3, and an
 *      answer to one, carries the time itself (HELLO_TIME: the TIME
 *      payload's 9 bytes after the vector) instead of a TIME chunk after
 *      it; only a peer that wrote format 3 reads it.
 *  S9. A DELTA that carries commits of any author but the county root is
 *      not sent while a DELTA before it that carries the root's commits
 *      is unacknowledged. The root's statements say who may write; a peer
 *      that got an author's commits before that author's statement would
 *      refuse them for good (the statements go first in a delta, but
 *      messages in flight at once can overtake each other: a response of
 *      several blocks arrives after a later one of one block).
 *  S10. A HELLO carries the whole version vector, never a part of it
 *      (docs/protocol.md §5, format 2): the initiator's lists every feed
 *      it holds, taken once per session (mine), each author's key once;
 *      the answer lists only the feeds of that list on which the answerer
 *      is behind, by their place in it, so every other feed of it is held
 *      at least as far, and nothing the answerer holds is sent to it
 *      again. A format 1 HELLO (an older peer) is answered in format 1,
 *      the feeds the peer named first. The initiator's first two HELLOs
 *      are in format 3 (format 2 naming its own key by its place, the
 *      chunk's header holding it); one that heard no HELLO after two
 *      sends the next two in format 2 and its later ones in format 1, for
 *      older peers (which refuse the newer formats as malformed). Every
 *      format lists the same vector (mine), so an answer's places mean
 *      the same whichever HELLO it answers.
 *  S11. A delta this node cannot build for a feed because the peer is
 *      behind the feed's base (log compaction, delta.c D8) is answered
 *      by one PRUNED message naming those feeds and their bases, sent
 *      after the ACKs and before the DELTAs of that rebuild. A PRUNED
 *      that verifies and comes from the session's peer is noted (the
 *      report's pruned, sync_session_pruned), never acted on here: the
 *      feeds it names can come only from a snapshot. An older peer
 *      counts it as one refused chunk and goes on.
 *
 *  S12. With sync_options.record_acks, every feed the peer reports
 *      holding, in a HELLO (either format) or an ACK, raises that peer's
 *      ack of the feed (crdt_store_acks_put), which log compaction reads
 *      (sync/compact.c R1); this node's own feeds only from an ACK.
 *  S13. Compact chunks (docs/protocol.md §3, chunk.c K4). A HELLO with
 *      HELLO_COMPACT says its sender reads them in this session. The
 *      initiator sets it in its first HELLO only (a session-6 node
 *      refuses the bit as malformed; its second HELLO, plain format 3,
 *      is the one such a node answers); a responder sets it in its
 *      answer once a HELLO of the peer had it. A node sends the compact
 *      form only to a peer whose HELLO had the bit (compact_out), and
 *      only for a DELTA's first send, an ACK, a TIME or a PRUNED: its
 *      HELLOs are always whole, and a DELTA resent goes whole (a peer
 *      that lost the session, and with it our key, still takes it). A
 *      compact chunk received is expanded with the peer's key before
 *      anything else and is then the chunk the peer signed, checked,
 *      applied, acknowledged and held as any; before the peer's HELLO
 *      it is refused (ERR_NOPEER) and changes nothing.
 *
 * States and transitions (the state is not a field: it follows from
 * peer_hello, the outstanding list and the queues, see sync_session_idle()):
 *
 *   state      event                         action                   next
 *   ---------  ----------------------------  -----------------------  ---------
 *   START      new, initiator                queue HELLO(reply)       HELLO_SENT
 *   START      new, responder                -                        WAIT
 *   HELLO_SENT tick >= hello_at + rto        queue HELLO(reply)       HELLO_SENT
 *   WAIT/any   HELLO from peer               merge vv, rebuild delta; SYNCING
 *                                            reply HELLO if asked
 *   any        our HELLO sent, a time to say queue TIME (S8)          same
 *   any        TIME verifies                 note it in the report    same
 *   any        DELTA verifies, applied       queue ACK (held if       same
 *                                            grouped until flush)
 *   any        DELTA refused                 count; ACK only when     same
 *                                            the refusal is final
 *   any        DELTA needs an earlier one    hold a copy (S5)         same
 *   any        DELTA applies, no gap         apply held ones (S5)     same
 *   SYNCING    ACK                           drop outstanding, raise  SYNCING/IDLE
 *                                            peer_vv
 *   SYNCING    tick >= sent_at + rto         requeue outstanding      SYNCING
 *   SYNCING    nothing outstanding/queued    -                        IDLE
 *   IDLE       refresh / HELLO               rebuild delta            SYNCING
 *
 * sync_session_pending() builds a delta that is due (as output would) and
 * says whether output has a message, so a server that stops packing a
 * response early can tell "more" from "maybe more".
 */
#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "sync/sync_internal.h"

#define HELLO_REPLY 0x01
#define HELLO_V2 0x02  /* the version vector in format 2 (docs/protocol.md §5) */
#define HELLO_REL 0x04 /* format 2, an answer: relative to the vector it answers */
#define HELLO_V3 0x08 /* format 3: format 2 with the sender's key by its place (needs V2, not REL) */
#define HELLO_TIME 0x10 /* the TIME payload after the vector (S8): with V3, or REL answering V3 */
#define HELLO_COMPACT 0x20 /* the sender reads compact chunks in this session (S13; needs V2) */
#define HELLO_FLAGS (HELLO_REPLY | HELLO_V2 | HELLO_REL | HELLO_V3 | HELLO_TIME | HELLO_COMPACT)
#define HELLO_COMPACT_UNTIL 1 /* an initiator's HELLOs: the first says HELLO_COMPACT (S13) */
#define HELLO_V2_FROM 3 /* an initiator's HELLOs: the third and fourth are format 2 (S10) */
#define HELLO_V1_FROM 5 /* from the fifth on, format 1 */
#define HELLO_PAYLOAD_MAX ((size_t)1 << 20)
#define CERT_MAX 4096
#define ACKS_PER_MSG 64
#define VV_MAX 1000000

enum ack_status { ACK_HELD = 0, ACK_REFUSED = 1 };

struct sync_out {
	uint8_t id[SYNC_ID_LEN];
	uint8_t *bytes;
	size_t len;
	uint64_t sent_at;
	unsigned sends; /* times sent: a resend goes whole (S13) */
	bool queued;
	bool root, others; /* carries commits of the county root, of others (S9) */
};

struct sync_ack {
	uint8_t id[SYNC_ID_LEN];
	uint8_t status;
	uint64_t group; /* held: the group its chunk applied in */
};

/* A DELTA waiting for a gap to fill (S5). */
struct sync_hold {
	uint8_t id[SYNC_ID_LEN];
	uint8_t *bytes;
	size_t len;
};

struct sync_session {
	struct sync_ctx *c;
	struct sync_session_options opt;
	uint64_t now;
	/* the peer */
	bool peer_hello;
	uint8_t peer[SYNC_PK_LEN];
	struct sync_scopes peer_wants;
	struct crdt_vv_entry *pvv; /* S3 */
	size_t npvv, pvv_cap;
	/* our HELLO, and the TIME after it (S8) */
	bool hello_due, hello_reply, time_due;
	uint64_t hello_at;
	unsigned hellos;             /* HELLOs sent before the peer's came (S10) */
	struct crdt_vv_entry *mine;  /* the vector our HELLOs carry, sorted (S10) */
	size_t nmine;
	bool mine_taken;
	struct crdt_vv_entry *asked; /* the peer's last HELLO's vector, as sent */
	size_t nasked;
	bool asked_v2;               /* answer it in format 2 */
	bool asked_v3;               /* it was format 3: the answer may carry the time (S8) */
	bool hello_timed;            /* our last HELLO carried the time: no TIME after it (S8) */
	bool compact_out;            /* a HELLO of the peer said it reads compact chunks (S13) */
	bool rebuild;
	/* S11: the feeds the last rebuild could not send (pruned here), and
	 * those the peer said it holds only above a base */
	bool pruned_due;
	struct crdt_vv_entry pruned_out[SYNC_PRUNED_MAX], pruned_in[SYNC_PRUNED_MAX];
	size_t npruned_out, npruned_in;
	uint64_t pruned_out_total;
	/* outstanding DELTAs, oldest first */
	struct sync_out *out;
	size_t nout, out_cap;
	/* ACKs to send, and those waiting for a flush */
	struct sync_ack *acks, *held;
	size_t nacks, acks_cap, nheld, held_cap;
	struct crdt_vv_entry *ackvv; /* feeds held, reported with the next ACK */
	size_t nackvv, ackvv_cap;
	struct sync_hold hold[SYNC_HOLD_MAX]; /* S5, in the order they arrived */
	size_t nhold, hold_bytes;
	struct sync_report rep;
	struct buf msg;
	struct buf wire; /* a compact chunk: sent (S13), or received and expanded */
};

/* Raise (author, scope) to at least seq in a vv list. */
static int sync_vv_raise(struct crdt_vv_entry **v, size_t *n, size_t *cap,
			 const struct crdt_vv_entry *e)
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp((*v)[i].author, e->author, CRDT_AUTHOR_LEN) == 0 && strcmp((*v)[i].scope, e->scope) == 0) {
			if ((*v)[i].seq < e->seq)
				(*v)[i].seq = e->seq;
			return 0;
		}
	int rc = MEM_GROW(*v, *cap, *n + 1);
	if (rc)
		return rc;
	(*v)[(*n)++] = *e;
	return 0;
}

/* Raise every entry of in into v (S3): a copy when v is empty, else a
 * search per entry in v sorted. */
static int sync_vv_raise_all(struct crdt_vv_entry **v, size_t *n, size_t *cap,
			     const struct crdt_vv_entry *in, size_t nin)
{
	size_t n0 = *n;
	if (nin == 0)
		return 0;
	int rc = MEM_GROW(*v, *cap, *n + nin);
	if (rc)
		return rc;
	if (n0 == 0) {
		memcpy(*v, in, nin * sizeof(*in));
		*n = nin;
		return 0;
	}
	sync_vv_sort(*v, n0);
	for (size_t i = 0; i < nin; i++) {
		struct crdt_vv_entry *e = (struct crdt_vv_entry *)sync_vv_find(*v, n0, in[i].author, in[i].scope);
		if (e) {
			if (e->seq < in[i].seq)
				e->seq = in[i].seq;
		} else {
			(*v)[(*n)++] = in[i]; /* in has each feed once */
		}
	}
	return 0;
}

int sync_session_new(struct sync_session **out, struct sync_ctx *c,
		     const struct sync_session_options *opt, uint64_t wall_ms)
{
	struct sync_session *s;
	*out = NULL;
	if (opt && opt->cert_len > CERT_MAX)
		return ERR_TOOBIG;
	s = mem_calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = c;
	if (opt)
		s->opt = *opt;
	if (!s->opt.rto_ms)
		s->opt.rto_ms = 3000;
	s->now = wall_ms;
	buf_init(&s->msg, c->opt.chunk_max);
	buf_init(&s->wire, SYNC_CHUNK_MAX + SYNC_HDR_FIXED + 16 + SYNC_SIG_LEN);
	if (s->opt.initiator) {
		s->hello_due = true;
		s->hello_reply = true;
	}
	*out = s;
	return 0;
}

void sync_session_free(struct sync_session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nout; i++)
		mem_free(s->out[i].bytes);
	mem_free(s->out);
	mem_free(s->pvv);
	mem_free(s->acks);
	mem_free(s->held);
	mem_free(s->ackvv);
	for (size_t i = 0; i < s->nhold; i++)
		mem_free(s->hold[i].bytes);
	mem_free(s->mine);
	mem_free(s->asked);
	buf_release(&s->msg);
	buf_release(&s->wire);
	mem_free(s);
}

int sync_session_own_behind(const struct sync_session *s, char *scope, size_t cap, uint64_t *peer_seq,
			    uint64_t *held_seq)
{
	struct crdt_vv_entry *vv = NULL;
	size_t n = 0;
	if (cap)
		scope[0] = '\0';
	*peer_seq = *held_seq = 0;
	if (!s->peer_hello)
		return 0;
	int rc = crdt_store_vv_of(s->c->store, s->peer, &vv, &n); /* its feeds only */
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		uint64_t p = 0;
		for (size_t k = 0; k < s->npvv; k++)
			if (memcmp(s->pvv[k].author, s->peer, SYNC_PK_LEN) == 0 &&
			    strcmp(s->pvv[k].scope, vv[i].scope) == 0)
				p = s->pvv[k].seq;
		if (p < vv[i].seq) {
			snprintf(scope, cap, "%s", vv[i].scope);
			*peer_seq = p;
			*held_seq = vv[i].seq;
			rc = 1;
		}
	}
	mem_free(vv);
	return rc;
}

const uint8_t *sync_session_peer(const struct sync_session *s)
{
	return s->peer_hello ? s->peer : NULL;
}

const struct sync_report *sync_session_report(const struct sync_session *s)
{
	return &s->rep;
}

bool sync_session_idle(const struct sync_session *s)
{
	return s->peer_hello && !s->rebuild && s->nout == 0 && s->nacks == 0 && s->nheld == 0 &&
	       !s->hello_due && !s->time_due && !s->pruned_due;
}

int sync_session_refresh(struct sync_session *s)
{
	s->rebuild = s->peer_hello;
	return 0;
}

/* ---- input ----------------------------------------------------------- */

/* A station that starts a session with this station syncs through it:
 * relay its scope from now on (S6). */
static void sync_session_learn_relay(struct sync_session *s)
{
	struct sync_ctx *c = s->c;
	char station[CRDT_SCOPE_MAX + 1];
	if (s->opt.initiator || c->opt.apply.all || !c->opt.carry_others ||
	    !sync_trust_station_of(c, s->peer, s->now, station) ||
	    sync_scopes_has(&c->opt.apply, station) || sync_scopes_has(&c->opt.relay, station))
		return;
	if (c->opt.relay.n < SYNC_SCOPES_MAX)
		sync_scopes_add(&c->opt.relay, station);
}

/* A format 2 answer to our HELLO (S10): varint upto, varint k, then k x
 * (varint gap, varint seq): entry prev + 1 + gap of our vector is held
 * only up to seq (below ours); the others before upto as far as ours;
 * those from upto on are not said (none held). Into *out, sorted. */
static int sync_session_rel_get(struct sync_session *s, struct cur *c, struct crdt_vv_entry **out,
				size_t *n)
{
	uint64_t upto, k, at = 0;
	struct crdt_vv_entry *v;
	*out = NULL;
	*n = 0;
	if (!s->mine_taken || cur_get_varint(c, &upto) || cur_get_varint(c, &k) || upto > s->nmine ||
	    k > upto)
		return ERR_CORRUPT;
	v = mem_calloc(upto ? (size_t)upto : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (upto)
		memcpy(v, s->mine, (size_t)upto * sizeof(*v));
	for (uint64_t i = 0; i < k; i++) {
		uint64_t gap, seq;
		if (cur_get_varint(c, &gap) || cur_get_varint(c, &seq) || gap >= upto - at ||
		    seq >= v[at + gap].seq) {
			mem_free(v);
			return ERR_CORRUPT;
		}
		v[at + gap].seq = seq;
		at += gap + 1;
	}
	size_t m = 0; /* a feed held up to 0 is no entry */
	for (size_t i = 0; i < (size_t)upto; i++)
		if (v[i].seq)
			v[m++] = v[i];
	*out = v;
	*n = m;
	return 0;
}

/* S12: what the peer reports holding (a HELLO's whole vector, an
 * answer's relative one, an ACK's feeds) raises its acks in _acks: in a
 * grouped session inside the context's group (begun here if none is
 * open: the daemon ends it, durable, at the end of the turn, so a HELLO
 * costs no transaction of its own), else in a transaction of its own; a
 * peer that only repeats what it said before changes nothing on disk.
 * A HELLO never acks this node's own feeds (hello true): a peer that
 * group-commits may report in its HELLO commits of a group not yet on
 * disk, and a node's own commits may have no other copy, so only an ACK
 * (sent after the disk write, DESIGN "Durability") lets compaction prune
 * them. A failure to write them is not the message's: it is retried with
 * the peer's next report. */
static int sync_session_acks(struct sync_session *s, const uint8_t peer[SYNC_PK_LEN],
			     const struct crdt_vv_entry *vv, size_t n, bool hello)
{
	struct crdt_vv_entry *keep = NULL;
	size_t k = 0;
	int rc = 0;
	if (hello && s->c->id && n) {
		if (!(keep = mem_calloc(n, sizeof(*keep))))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (memcmp(vv[i].author, s->c->id->pk, CRDT_AUTHOR_LEN) != 0)
				keep[k++] = vv[i];
		vv = keep;
		n = k;
	}
	if (s->opt.group && !s->c->grouped)
		rc = sync_ctx_group_begin_nowait(s->c); /* delta.c G1 */
	if (!rc)
		rc = crdt_store_acks_put(s->c->store, peer, vv, n);
	mem_free(keep);
	return rc == -ENOMEM ? rc : 0;
}

static int sync_session_hello(struct sync_session *s, const struct sync_chunk *ch)
{
	struct cur c;
	uint8_t flags, all;
	uint64_t n;
	const uint8_t *cert;
	size_t cert_len;
	struct crdt_vv_entry *vv = NULL;
	struct sync_scopes wants;
	size_t nvv = 0;
	int rc;

	memset(&wants, 0, sizeof(wants));
	cur_init(&c, ch->payload, ch->payload_len);
	if ((rc = cur_get_u8(&c, &flags)) || (rc = cur_get_lenbytes(&c, CERT_MAX, &cert, &cert_len)) ||
	    (rc = cur_get_u8(&c, &all)) || (rc = cur_get_varint(&c, &n)))
		return ERR_CORRUPT;
	if ((flags & ~HELLO_FLAGS) || ((flags & HELLO_REL) && !(flags & HELLO_V2)) ||
	    ((flags & HELLO_V3) && (flags & (HELLO_V2 | HELLO_REL)) != HELLO_V2) ||
	    ((flags & HELLO_TIME) && !(flags & (HELLO_V3 | HELLO_REL))) ||
	    ((flags & HELLO_COMPACT) && !(flags & HELLO_V2)) || all > 1 ||
	    n > SYNC_SCOPES_MAX)
		return ERR_CORRUPT;
	wants.all = all;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *p;
		size_t len;
		if (cur_get_lenbytes(&c, CRDT_SCOPE_MAX, &p, &len) || memchr(p, 0, len))
			return ERR_CORRUPT;
		memcpy(wants.name[wants.n], p, len);
		wants.name[wants.n][len] = '\0';
		wants.n++;
	}
	if (flags & HELLO_REL)
		rc = sync_session_rel_get(s, &c, &vv, &nvv);
	else if (flags & HELLO_V2)
		rc = sync_vv_get2(&c, &vv, &nvv, VV_MAX, flags & HELLO_V3 ? ch->sender : NULL);
	else
		rc = sync_vv_get(&c, &vv, &nvv, VV_MAX);
	if (rc)
		return rc == -ENOMEM ? rc : ERR_CORRUPT;
	if (flags & HELLO_TIME) { /* S8: the TIME payload, as a TIME chunk of the same signer */
		struct sync_chunk t = *ch;
		if (cur_get_bytes(&c, SYNC_TIME_LEN, &t.payload)) {
			rc = ERR_CORRUPT;
			goto out;
		}
		t.payload_len = SYNC_TIME_LEN;
		t.type = SYNC_MSG_TIME;
		if (!cur_done(&c) || (rc = sync_time_note(&t, s->now, &s->rep))) {
			rc = ERR_CORRUPT;
			goto out;
		}
	}
	if (!cur_done(&c)) {
		rc = ERR_CORRUPT;
		goto out;
	}
	/* The certificate is kept for the trust issue; nothing checks it yet. */
	(void)cert;
	if (s->c->opt.record_acks && (rc = sync_session_acks(s, ch->sender, vv, nvv, true)))
		goto out;
	if ((rc = sync_vv_raise_all(&s->pvv, &s->npvv, &s->pvv_cap, vv, nvv)))
		goto out;
	if (!(flags & HELLO_REL)) { /* what an answer of ours is relative to (S10) */
		mem_free(s->asked);
		s->asked = vv;
		s->nasked = nvv;
		s->asked_v2 = flags & HELLO_V2;
		s->asked_v3 = flags & HELLO_V3;
		vv = NULL;
	}
	memcpy(s->peer, ch->sender, SYNC_PK_LEN);
	sync_session_learn_relay(s);
	s->peer_hello = true;
	if (flags & HELLO_COMPACT)
		s->compact_out = true; /* S13: for the rest of the session */
	s->peer_wants = wants;
	s->rebuild = true;
	if (flags & HELLO_REPLY) {
		s->hello_due = true;
		s->hello_reply = false;
	}
	rc = 0;
out:
	mem_free(vv);
	return rc;
}

static int sync_session_ack_in(struct sync_session *s, const struct sync_chunk *ch)
{
	struct cur c;
	uint64_t n;
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	int rc;

	cur_init(&c, ch->payload, ch->payload_len);
	if (cur_get_varint(&c, &n) || n > cur_left(&c) / (SYNC_ID_LEN + 1))
		return ERR_CORRUPT;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *id;
		uint8_t status;
		if (cur_get_bytes(&c, SYNC_ID_LEN, &id) || cur_get_u8(&c, &status) || status > ACK_REFUSED)
			return ERR_CORRUPT;
		for (size_t k = 0; k < s->nout; k++)
			if (memcmp(s->out[k].id, id, SYNC_ID_LEN) == 0) {
				mem_free(s->out[k].bytes);
				memmove(&s->out[k], &s->out[k + 1], (s->nout - k - 1) * sizeof(s->out[0]));
				s->nout--;
				break;
			}
	}
	if ((rc = sync_vv_get(&c, &vv, &nvv, VV_MAX)))
		return rc == -ENOMEM ? rc : ERR_CORRUPT;
	rc = cur_done(&c) ? 0 : ERR_CORRUPT;
	for (size_t i = 0; i < nvv && !rc; i++)
		rc = sync_vv_raise(&s->pvv, &s->npvv, &s->pvv_cap, &vv[i]);
	if (!rc && s->c->opt.record_acks)
		rc = sync_session_acks(s, ch->sender, vv, nvv, false);
	mem_free(vv);
	return rc;
}

/* S11: "held only above these bases" (docs/protocol.md §5 "PRUNED"). */
static int sync_session_pruned_in(struct sync_session *s, const struct sync_chunk *ch)
{
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0;
	uint64_t total;
	struct cur c;
	int rc;

	cur_init(&c, ch->payload, ch->payload_len);
	if ((rc = sync_vv_get(&c, &vv, &nvv, SYNC_PRUNED_MAX)))
		return rc == -ENOMEM ? rc : ERR_CORRUPT;
	if (cur_get_varint(&c, &total) || !cur_done(&c) || total < nvv || nvv == 0) {
		mem_free(vv);
		return ERR_CORRUPT;
	}
	for (size_t i = 0; i < nvv; i++)
		if (vv[i].seq == 0) {
			mem_free(vv);
			return ERR_CORRUPT;
		}
	memcpy(s->pruned_in, vv, nvv * sizeof(*vv));
	s->npruned_in = nvv;
	s->rep.pruned = total;
	mem_free(vv);
	return 0;
}

size_t sync_session_pruned(const struct sync_session *s, const struct crdt_vv_entry **v)
{
	*v = s->pruned_in;
	return s->npruned_in;
}

static int sync_session_queue_ack(struct sync_session *s, const uint8_t id[SYNC_ID_LEN], uint8_t status,
				  bool hold)
{
	struct sync_ack **v = hold ? &s->held : &s->acks;
	size_t *n = hold ? &s->nheld : &s->nacks, *cap = hold ? &s->held_cap : &s->acks_cap;
	int rc = MEM_GROW(*v, *cap, *n + 1);
	if (rc)
		return rc;
	memcpy((*v)[*n].id, id, SYNC_ID_LEN);
	(*v)[*n].status = status;
	(*v)[*n].group = s->c->group_seq;
	(*n)++;
	return 0;
}

/* Count what applying one chunk did (r) in the session's report; a gap
 * is not a refusal (S5). A held chunk applied again (again) counts only
 * what it changes now: not the chunk, its duplicates or unwanted commits
 * again. Adds this chunk's commits to res; returns the refusals. */
static uint64_t sync_session_count(struct sync_session *s, const struct sync_report *r, bool again,
				   struct sync_input_result *res, int *why)
{
	struct sync_report *d = &s->rep;
	uint64_t gap = 0;
	*why = 0;
	for (size_t i = 0; i < r->nreasons; i++) {
		if (r->reasons[i].rc == ERR_GAP) {
			gap += r->reasons[i].n;
			continue;
		}
		sync_report_reason(d, r->reasons[i].rc, r->reasons[i].n);
		if (!*why)
			*why = r->reasons[i].rc;
	}
	uint64_t refused = r->refused > gap ? r->refused - gap : 0;
	d->chunks_refused += r->chunks_refused;
	if (!again) {
		d->chunks += r->chunks;
		d->duplicate += r->duplicate;
		d->unwanted += r->unwanted;
		res->duplicate += r->duplicate;
	}
	d->applied += r->applied;
	d->carried += r->carried;
	d->held += r->held;
	d->released += r->released;
	d->refused += refused;
	res->applied += r->applied;
	res->carried += r->carried;
	res->refused += refused;
	return refused;
}

/* Apply one DELTA and queue its ACK when it is final. *kind: what it was
 * (MERGED, DUPLICATE, NEED_MORE or REFUSED with *why); *whole: the chunk
 * itself was refused (nothing of it applied). */
static int sync_session_apply(struct sync_session *s, const uint8_t *msg, size_t len,
			      const uint8_t id[SYNC_ID_LEN], uint64_t wall_ms, bool again,
			      struct sync_input_result *res, enum sync_in_kind *kind, int *why,
			      bool *whole)
{
	struct crdt_vv_entry *held = NULL;
	struct sync_report r;
	size_t nheld = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	*whole = false;
	if (!s->opt.group && s->c->grouped)
		sync_ctx_group_end(s->c); /* S1: another session's group; a failure drops its ACKs */
	if (s->opt.group && !s->c->grouped && (rc = sync_ctx_group_begin(s->c)))
		return rc;
	rc = sync_chunk_apply(s->c, msg, len, wall_ms, &r, &held, &nheld);
	if (rc == -ENOMEM || rc == ERR_STORAGE)
		goto out;
	uint64_t refused = sync_session_count(s, &r, again, res, why);
	if (rc == ERR_GAP) { /* S5: held, acknowledged once it applies */
		*kind = SYNC_IN_NEED_MORE;
		rc = 0;
		goto out;
	}
	if (rc) { /* S4: a chunk that does not verify is dropped, never acknowledged */
		*kind = SYNC_IN_REFUSED;
		*why = rc;
		*whole = true;
		rc = 0;
		goto out;
	}
	*kind = refused ? SYNC_IN_REFUSED
		: r.duplicate && !r.applied && !r.carried && !r.released ? SYNC_IN_DUPLICATE
		: SYNC_IN_MERGED;
	for (size_t i = 0; i < nheld && !rc; i++)
		rc = sync_vv_raise(&s->ackvv, &s->nackvv, &s->ackvv_cap, &held[i]);
	/* S3: the peer holds what it sent; never send it back */
	for (size_t i = 0; i < nheld && !rc; i++)
		rc = sync_vv_raise(&s->pvv, &s->npvv, &s->pvv_cap, &held[i]);
	if (!rc)
		rc = sync_session_queue_ack(s, id, refused ? ACK_REFUSED : ACK_HELD, s->opt.group);
out:
	mem_free(held);
	return rc;
}

static bool sync_session_holds(const struct sync_session *s, const uint8_t id[SYNC_ID_LEN])
{
	for (size_t i = 0; i < s->nhold; i++)
		if (memcmp(s->hold[i].id, id, SYNC_ID_LEN) == 0)
			return true;
	return false;
}

/* S5: keep a copy of a DELTA that waits for a gap, if there is room. */
static void sync_session_hold(struct sync_session *s, const uint8_t *msg, size_t len,
			      const uint8_t id[SYNC_ID_LEN])
{
	struct sync_hold *h = &s->hold[s->nhold];
	if (s->nhold == SYNC_HOLD_MAX || len > SYNC_HOLD_BYTES - s->hold_bytes || !(h->bytes = mem_alloc(len)))
		return; /* the peer's resend brings it */
	memcpy(h->bytes, msg, len);
	memcpy(h->id, id, SYNC_ID_LEN);
	h->len = len;
	s->hold_bytes += len;
	s->nhold++;
}

/* S5: a DELTA applied without a gap; apply the held ones that can now,
 * oldest first, again from the oldest after each that does. */
static int sync_session_release(struct sync_session *s, uint64_t wall_ms, struct sync_input_result *res)
{
	for (size_t i = 0; i < s->nhold;) {
		struct sync_hold h = s->hold[i];
		enum sync_in_kind kind = SYNC_IN_NEED_MORE;
		bool whole;
		int why, rc = sync_session_apply(s, h.bytes, h.len, h.id, wall_ms, true, res, &kind, &why, &whole);
		if (rc)
			return rc;
		if (kind == SYNC_IN_NEED_MORE) {
			i++;
			continue;
		}
		mem_free(h.bytes);
		s->hold_bytes -= h.len;
		memmove(&s->hold[i], &s->hold[i + 1], (s->nhold - i - 1) * sizeof(s->hold[0]));
		s->nhold--;
		if (!whole)
			res->released++;
		i = 0;
	}
	return 0;
}

static int sync_session_delta(struct sync_session *s, const uint8_t *msg, size_t len,
			      const uint8_t id[SYNC_ID_LEN], uint64_t wall_ms, struct sync_input_result *res)
{
	bool whole;
	int rc;
	if (sync_session_holds(s, id)) { /* the peer's resend of one held: still waits */
		res->kind = SYNC_IN_NEED_MORE;
		return 0;
	}
	if ((rc = sync_session_apply(s, msg, len, id, wall_ms, false, res, &res->kind, &res->why, &whole)))
		return rc;
	if (res->kind == SYNC_IN_NEED_MORE) {
		sync_session_hold(s, msg, len, id);
		return 0;
	}
	if (whole || !s->nhold)
		return 0; /* nothing applied, or nothing waits */
	return sync_session_release(s, wall_ms, res);
}

int sync_session_input(struct sync_session *s, const uint8_t *msg, size_t len, uint64_t wall_ms,
		       struct sync_input_result *res)
{
	struct sync_input_result local;
	struct sync_chunk ch;
	uint8_t id[SYNC_ID_LEN];
	int type, rc;
	size_t clen;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->kind = SYNC_IN_REFUSED;
	s->now = wall_ms;
	if ((rc = sync_trust_refresh(s->c)))
		return rc;
	if ((rc = sync_chunk_peek(msg, len, id, &type, &clen)) || clen != len) {
		s->rep.chunks_refused++;
		res->why = rc ? rc : ERR_CORRUPT;
		return 0;
	}
	if (msg[2] == SYNC_WIRE_COMPACT) { /* S13: the chunk the peer signed, with its key */
		rc = s->peer_hello ? sync_chunk_expand(msg, len, s->peer, &s->wire) : ERR_NOPEER;
		if (rc == -ENOMEM)
			return rc;
		if (rc) {
			s->rep.chunks_refused++;
			res->why = rc;
			return 0;
		}
		msg = s->wire.data;
		len = s->wire.len;
	}
	if (type == SYNC_MSG_DELTA)
		return sync_session_delta(s, msg, len, id, wall_ms, res);
	rc = sync_chunk_open(s->c, msg, len, &ch);
	if (!rc && s->peer_hello && memcmp(ch.sender, s->peer, SYNC_PK_LEN) != 0)
		rc = ERR_UNAUTH; /* S4: one peer per session */
	if (!rc && type == SYNC_MSG_TIME) {
		rc = sync_time_note(&ch, wall_ms, &s->rep); /* S8 */
		res->kind = SYNC_IN_TIME;
	} else if (!rc && type == SYNC_MSG_HELLO) {
		rc = sync_session_hello(s, &ch);
		res->kind = SYNC_IN_HELLO;
	} else if (!rc && type == SYNC_MSG_ACK) {
		rc = sync_session_ack_in(s, &ch);
		res->kind = SYNC_IN_ACK;
	} else if (!rc && type == SYNC_MSG_PRUNED) {
		rc = sync_session_pruned_in(s, &ch); /* S11 */
		res->kind = SYNC_IN_PRUNED;
	} else if (!rc) {
		rc = ERR_CORRUPT; /* an END: bundles only */
	}
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		s->rep.chunks_refused++;
		res->kind = SYNC_IN_REFUSED;
		res->why = rc;
	}
	return 0;
}

int sync_session_input_body(struct sync_session *s, const uint8_t *p, size_t len, uint64_t wall_ms,
			    size_t *n)
{
	size_t off = 0, taken = 0;
	int rc = 0;
	while (off < len) {
		uint8_t id[SYNC_ID_LEN];
		int type;
		size_t clen;
		if (sync_chunk_peek(p + off, len - off, id, &type, &clen) || clen == 0 || clen > len - off) {
			s->rep.chunks_refused++; /* the rest cannot be found */
			break;
		}
		if ((rc = sync_session_input(s, p + off, clen, wall_ms, NULL)))
			break;
		off += clen;
		taken++;
	}
	if (n)
		*n = taken;
	return rc;
}

/* ---- output ---------------------------------------------------------- */

static int sync_session_keep(void *arg, const uint8_t *chunk, size_t len,
			     const struct sync_chunk_info *info)
{
	struct sync_session *s = arg;
	int rc = MEM_GROW(s->out, s->out_cap, s->nout + 1);
	if (rc)
		return rc;
	struct sync_out *o = &s->out[s->nout];
	o->bytes = mem_alloc(len);
	if (!o->bytes)
		return -ENOMEM;
	memcpy(o->bytes, chunk, len);
	o->len = len;
	memcpy(o->id, info->id, SYNC_ID_LEN);
	o->queued = true;
	o->sent_at = 0;
	o->sends = 0;
	o->root = o->others = false;
	s->nout++;
	for (size_t i = 0; i < info->nfeeds; i++) { /* S3: what is in flight */
		rc = sync_vv_raise(&s->pvv, &s->npvv, &s->pvv_cap, &info->feeds[i]);
		if (rc)
			return rc;
		if (sync_trust_rank(s->c, info->feeds[i].author) == 0)
			o->root = true;
		else
			o->others = true;
	}
	return 0;
}


/* What this node asks its peer for (S6): the scopes it merges and those
 * it relays; everything when it merges everything, when they do not fit
 * a HELLO, or without trust (an unenrolled mesh relays all). */
static void sync_session_wants(const struct sync_ctx *c, struct sync_scopes *w)
{
	*w = c->opt.apply;
	if (!c->trust && c->opt.carry_others)
		w->all = true;
	for (size_t i = 0; !w->all && i < c->opt.relay.n; i++)
		if (sync_scopes_add(w, c->opt.relay.name[i]))
			w->all = true;
}

/* Format 1 (an older peer, S10): as many entries as fit a chunk, first
 * those of the feeds the peer's HELLO named (what it would otherwise send
 * again), then this node's own (sync_session_own_behind), then the rest. */
static int sync_session_vv1_put(struct sync_session *s, struct buf *p)
{
	struct crdt_vv_entry *all = NULL, *named = NULL, *take = NULL;
	size_t nall = 0, nnamed = s->nasked, ntake = 0;
	size_t room = s->c->opt.chunk_max - (SYNC_HDR_FIXED + 4 + SYNC_SIG_LEN), used = p->len + 4;
	int rc;

	if (!s->opt.initiator && nnamed) {
		if (!(named = mem_alloc(nnamed * sizeof(*named))))
			return -ENOMEM;
		memcpy(named, s->asked, nnamed * sizeof(*named));
		if ((rc = crdt_store_heads(s->c->store, named, nnamed)))
			goto out;
	}
	if (s->opt.initiator) {
		all = s->mine;
		nall = s->nmine;
	} else if ((rc = crdt_store_vv(s->c->store, &all, &nall))) {
		goto out;
	}
	if (!(take = mem_alloc((nnamed + nall + 1) * sizeof(*take)))) {
		rc = -ENOMEM;
		goto out;
	}
	for (int pass = 0; pass < 3; pass++) {
		const struct crdt_vv_entry *v = pass == 0 ? named : all;
		size_t nv = pass == 0 ? nnamed : nall;
		for (size_t i = 0; i < nv; i++) {
			bool own = memcmp(v[i].author, s->c->id->pk, CRDT_AUTHOR_LEN) == 0;
			if (!v[i].seq || (pass == 1 && !own) || (pass == 2 && own))
				continue;
			bool dup = false;
			for (size_t k = 0; k < ntake && !dup; k++)
				dup = memcmp(take[k].author, v[i].author, CRDT_AUTHOR_LEN) == 0 &&
				      strcmp(take[k].scope, v[i].scope) == 0;
			size_t e = CRDT_AUTHOR_LEN + 1 + strlen(v[i].scope) + varint_len(v[i].seq);
			if (dup || used + e > room)
				continue;
			used += e;
			take[ntake++] = v[i];
		}
	}
	sync_vv_put(p, take, ntake);
	rc = 0;
out:
	if (all != s->mine)
		mem_free(all);
	mem_free(named);
	mem_free(take);
	return rc;
}

/* Format 2 answer (S10): the feeds of the peer's vector on which this
 * node is behind, by place; all of them unless the answer would pass
 * HELLO_PAYLOAD_MAX, then up to the place where it stops (upto). */
static int sync_session_rel_put(struct sync_session *s, struct buf *p)
{
	struct crdt_vv_entry *have = NULL;
	size_t n = s->nasked, k = 0, upto = n, at = 0;
	struct buf e;
	int rc;

	if (n && !(have = mem_alloc(n * sizeof(*have))))
		return -ENOMEM;
	if (n)
		memcpy(have, s->asked, n * sizeof(*have));
	if ((rc = crdt_store_heads(s->c->store, have, n))) {
		mem_free(have);
		return rc;
	}
	buf_init(&e, HELLO_PAYLOAD_MAX);
	for (size_t i = 0; i < n; i++) {
		if (have[i].seq >= s->asked[i].seq)
			continue;
		if (e.len + 20 > HELLO_PAYLOAD_MAX - p->len - 32) {
			upto = i;
			break;
		}
		buf_put_varint(&e, i - at);
		buf_put_varint(&e, have[i].seq);
		at = i + 1;
		k++;
	}
	buf_put_varint(p, upto);
	buf_put_varint(p, k);
	buf_put(p, e.data, e.len);
	rc = e.err;
	buf_release(&e);
	mem_free(have);
	return rc;
}

static int sync_session_hello_out(struct sync_session *s, struct buf *out)
{
	struct buf p;
	int rc;

	/* S10: the initiator's vector is taken once, for every HELLO of the
	 * session, so that an answer to any of them is relative to it */
	if (s->hello_reply && !s->mine_taken) {
		if ((rc = crdt_store_vv(s->c->store, &s->mine, &s->nmine)))
			return rc;
		s->mine_taken = true;
	}
	bool v2 = s->hello_reply ? s->hellos + 1 < HELLO_V1_FROM : s->asked_v2;
	bool v3 = s->hello_reply && s->hellos + 1 < HELLO_V2_FROM;
	/* S8: format 3 and an answer to it carry the time themselves */
	uint8_t t[SYNC_TIME_LEN];
	s->hello_timed = (v3 || (v2 && !s->hello_reply && s->asked_v3)) && sync_time_payload(s->c, s->now, t);
	buf_init(&p, v2 ? HELLO_PAYLOAD_MAX : s->c->opt.chunk_max);
	uint8_t flags = s->hello_reply ? HELLO_REPLY : 0;
	if (v2)
		flags |= HELLO_V2 | (s->hello_reply ? 0 : HELLO_REL) | (v3 ? HELLO_V3 : 0) |
			 (s->hello_timed ? HELLO_TIME : 0);
	/* S13: the initiator's first HELLO, and an answer to a peer that said it */
	if (v2 && (s->hello_reply ? s->hellos < HELLO_COMPACT_UNTIL : s->compact_out))
		flags |= HELLO_COMPACT;
	buf_put_u8(&p, flags);
	buf_put_lenbytes(&p, s->opt.cert, s->opt.cert ? s->opt.cert_len : 0);
	struct sync_scopes wants;
	sync_session_wants(s->c, &wants);
	buf_put_u8(&p, wants.all);
	buf_put_varint(&p, wants.all ? 0 : wants.n);
	for (size_t i = 0; !wants.all && i < wants.n; i++)
		buf_put_lenbytes(&p, wants.name[i], strlen(wants.name[i]));
	if (!v2)
		rc = sync_session_vv1_put(s, &p);
	else if (s->hello_reply)
		rc = (sync_vv_put2(&p, s->mine, s->nmine, v3 ? s->c->id->pk : NULL), 0);
	else
		rc = sync_session_rel_put(s, &p);
	if (s->hello_timed)
		buf_put(&p, t, sizeof(t));
	if (!rc)
		rc = p.err ? p.err : sync_chunk_seal(s->c, SYNC_MSG_HELLO, p.data, p.len, false, out);
	buf_release(&p);
	if (!rc && s->hello_reply)
		s->hellos++;
	return rc;
}

/* Append a chunk to out: in its compact form when the peer reads it
 * and compact allows (S13), else whole. */
static int sync_session_put_chunk(struct sync_session *s, struct buf *out, const uint8_t *p, size_t len,
				  bool compact)
{
	int rc = compact && s->compact_out ? sync_chunk_compact(p, len, &s->wire) : 0;
	if (rc < 0)
		return rc;
	if (rc == 1)
		buf_put(out, s->wire.data, s->wire.len);
	else
		buf_put(out, p, len);
	return out->err;
}

/* Append s->msg (an ACK, a TIME, a PRUNED) to out, compact when the
 * peer reads it (S13). */
static int sync_session_put(struct sync_session *s, struct buf *out)
{
	return sync_session_put_chunk(s, out, s->msg.data, s->msg.len, true);
}

/* The next ACK, appended to out. */
static int sync_session_ack_out(struct sync_session *s, struct buf *out)
{
	struct buf p;
	size_t take = s->nacks < ACKS_PER_MSG ? s->nacks : ACKS_PER_MSG, nv = 0, room;
	int rc;

	room = s->c->opt.chunk_max - (SYNC_HDR_FIXED + 4 + SYNC_SIG_LEN);
	while (take > 1 && 2 + take * (SYNC_ID_LEN + 1) + 2 > room)
		take--;
	buf_init(&p, s->c->opt.chunk_max);
	buf_put_varint(&p, take);
	for (size_t i = 0; i < take; i++) {
		buf_put(&p, s->acks[i].id, SYNC_ID_LEN);
		buf_put_u8(&p, s->acks[i].status);
	}
	size_t used = p.len + 3;
	while (nv < s->nackvv) {
		size_t e = CRDT_AUTHOR_LEN + 1 + strlen(s->ackvv[nv].scope) + varint_len(s->ackvv[nv].seq);
		if (used + e > room)
			break;
		used += e;
		nv++;
	}
	sync_vv_put(&p, s->ackvv, nv);
	rc = p.err ? p.err : sync_chunk_seal(s->c, SYNC_MSG_ACK, p.data, p.len, false, &s->msg);
	buf_release(&p);
	if (rc || (rc = sync_session_put(s, out)))
		return rc;
	memmove(s->acks, s->acks + take, (s->nacks - take) * sizeof(*s->acks));
	s->nacks -= take;
	if (s->nackvv > nv) /* ackvv is NULL when no chunk reported a feed */
		memmove(s->ackvv, s->ackvv + nv, (s->nackvv - nv) * sizeof(*s->ackvv));
	s->nackvv -= nv;
	return 0;
}

/* Build the delta the peer lacks into the outstanding list, if due. */
static int sync_session_rebuild(struct sync_session *s, uint64_t wall_ms)
{
	if (s->rebuild && s->peer_hello) {
		/* S7: opened ranges only of the scopes the peer's statement lets it read */
		struct sync_scopes reads;
		bool known = sync_trust_reads(s->c, s->peer, wall_ms, &reads);
		const struct crdt_vv_entry *pv;
		size_t np;
		s->rebuild = false;
		int rc = sync_delta_export_for(s->c, s->pvv, s->npvv, &s->peer_wants, known ? &reads : NULL,
					       sync_session_keep, s);
		if (rc)
			return rc;
		s->pruned_out_total = sync_ctx_pruned(s->c, &pv, &np); /* S11 */
		if (np) {
			memcpy(s->pruned_out, pv, np * sizeof(*pv));
			s->npruned_out = np;
			s->pruned_due = true;
		}
		return 0;
	}
	return 0;
}

/* The next DELTA to send: queued, and not one that carries other authors'
 * commits behind an unacknowledged one of the root's statements (S9). */
static struct sync_out *sync_session_next(struct sync_session *s)
{
	bool statements_out = false;
	for (size_t i = 0; i < s->nout; i++) {
		if (s->out[i].queued && !(s->out[i].others && statements_out))
			return &s->out[i];
		statements_out = statements_out || s->out[i].root;
	}
	return NULL;
}

int sync_session_pending(struct sync_session *s, uint64_t wall_ms)
{
	int rc;
	s->now = wall_ms;
	if ((rc = sync_session_rebuild(s, wall_ms)))
		return rc;
	if (s->time_due) { /* S8: a TIME only when there is a time to say */
		uint8_t t[SYNC_TIME_LEN];
		if (sync_time_payload(s->c, wall_ms, t))
			return 1;
		s->time_due = false;
	}
	if (s->hello_due || s->nacks || s->pruned_due)
		return 1;
	return sync_session_next(s) != NULL;
}

/* The next message into out (appended); *delta: it is a DELTA. */
static int sync_session_next_msg(struct sync_session *s, struct buf *out, uint64_t wall_ms, bool *delta)
{
	int rc;
	*delta = false;
	s->now = wall_ms;
	/* HELLO, TIME and ACK are sealed into s->msg (sealing resets its
	 * buffer), then appended; what they say is taken off only once the
	 * append succeeded */
	if (s->hello_due) {
		if ((rc = sync_session_hello_out(s, &s->msg)) ||
		    (rc = sync_session_put_chunk(s, out, s->msg.data, s->msg.len, false)))
			return rc;
		s->hello_due = false;
		s->hello_at = wall_ms;
		s->time_due = !s->hello_timed; /* S8 */
		return 1;
	}
	if (s->time_due) { /* S8 */
		uint8_t t[SYNC_TIME_LEN];
		if (sync_time_payload(s->c, wall_ms, t)) {
			if ((rc = sync_chunk_seal(s->c, SYNC_MSG_TIME, t, sizeof(t), false, &s->msg)) ||
			    (rc = sync_session_put(s, out)))
				return rc;
			s->time_due = false;
			return 1;
		}
		s->time_due = false;
	}
	if (s->nacks)
		return (rc = sync_session_ack_out(s, out)) ? rc : 1;
	if ((rc = sync_session_rebuild(s, wall_ms)))
		return rc;
	if (s->pruned_due) { /* S11 */
		struct buf p;
		buf_init(&p, 1 << 14);
		sync_vv_put(&p, s->pruned_out, s->npruned_out);
		buf_put_varint(&p, s->pruned_out_total);
		rc = p.err ? p.err : sync_chunk_seal(s->c, SYNC_MSG_PRUNED, p.data, p.len, false, &s->msg);
		buf_release(&p);
		if (rc || (rc = sync_session_put(s, out)))
			return rc;
		s->pruned_due = false;
		return 1;
	}
	struct sync_out *o = sync_session_next(s);
	if (!o)
		return 0;
	if ((rc = sync_session_put_chunk(s, out, o->bytes, o->len, o->sends == 0))) /* S13 */
		return rc;
	o->queued = false;
	o->sent_at = wall_ms;
	o->sends++;
	*delta = true;
	return 1;
}

int sync_session_output(struct sync_session *s, struct buf *out, uint64_t wall_ms)
{
	bool delta;
	buf_reset(out);
	return sync_session_next_msg(s, out, wall_ms, &delta);
}

int sync_session_output_body(struct sync_session *s, struct buf *out, size_t soft, uint64_t wall_ms,
			     bool *more)
{
	bool delta = false, stopped = false;
	int n = 0, rc;
	if (more)
		*more = false;
	while (!delta) {
		if (out->len >= soft) {
			stopped = true;
			break;
		}
		size_t mark = out->len;
		if ((rc = sync_session_next_msg(s, out, wall_ms, &delta)) < 0) {
			out->len = mark;
			return rc;
		}
		if (rc == 0)
			break;
		n++;
		stopped = delta;
	}
	if (stopped && more) {
		if ((rc = sync_session_pending(s, wall_ms)) < 0)
			return rc;
		*more = rc == 1;
	}
	if (more && s->nheld)
		*more = true; /* ACKs that the next flush releases (S1) */
	return n;
}

int sync_session_tick(struct sync_session *s, uint64_t wall_ms)
{
	s->now = wall_ms;
	if (s->opt.initiator && !s->peer_hello && wall_ms >= s->hello_at + s->opt.rto_ms) {
		s->hello_due = true;
		s->hello_reply = true;
	}
	for (size_t i = 0; i < s->nout; i++)
		if (!s->out[i].queued && wall_ms >= s->out[i].sent_at + s->opt.rto_ms)
			s->out[i].queued = true;
	return 0;
}

int sync_session_flush(struct sync_session *s)
{
	int end = s->c->grouped ? sync_ctx_group_end(s->c) : 0, rc = 0;
	size_t keep = 0;
	bool lost = false;
	for (size_t i = 0; i < s->nheld && !rc; i++) {
		if (s->held[i].group == s->c->group_lost) {
			lost = true; /* S1: rolled back, never acknowledged */
			continue;
		}
		rc = sync_session_queue_ack(s, s->held[i].id, s->held[i].status, false);
	}
	if (lost)
		s->nackvv = 0; /* it may name feeds the rollback took back */
	if (rc) { /* out of memory: keep them all for the next flush */
		for (size_t i = 0; i < s->nheld; i++)
			if (s->held[i].group != s->c->group_lost)
				s->held[keep++] = s->held[i];
		s->nheld = keep;
		return rc;
	}
	s->nheld = 0;
	return end;
}
