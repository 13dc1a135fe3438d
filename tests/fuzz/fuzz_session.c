// SPDX-License-Identifier: MIT
/*
 * fuzz_session.c - a responder session fed a sequence of messages. The
 * input is records: u8 kind, u16be length, bytes. kind & 3: 0 the bytes as
 * a message off the wire; 1, 2, 3 the bytes as the payload of a HELLO,
 * DELTA or ACK sealed by a fixed peer key (so the HELLO and ACK decoders
 * and the version-vector merge are reached). After each message the
 * session's output is drained and time moves on by kind's high bits.
 * The input's size picks the session: bit 0 of it, a hub's grouped
 * commits; bit 1, trust on: the responder is the hub of fuzz.h's county
 * (who may write what, revocations, scope keys) and the sealing key is
 * its station s0001, so what an enrolled station sends a hub is reached.
 * Every input's typed result is checked: a kind, a reason when refused
 * (and only then, or for a held chunk some of whose ranges were refused),
 * the same refusals the report counts.
 */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_node rx, *tx;
	struct sync_session *s;
	struct sync_session_options so;
	struct buf msg, out;
	uint64_t now = FUZZ_NOW;
	size_t pos = 0;
	if (size & 2) {
		fuzz_county_rx(&rx, false);
		tx = fuzz_county_s1();
	} else {
		fuzz_node_open(&rx, 2, 0);
		tx = fuzz_sender();
	}
	memset(&so, 0, sizeof(so));
	so.group = size & 1;
	if (sync_session_new(&s, rx.ctx, &so, now))
		abort();
	buf_init(&msg, SYNC_CHUNK_MAX + 1024);
	buf_init(&out, SYNC_CHUNK_MAX + 1024);
	while (pos + 3 <= size) {
		uint8_t kind = data[pos];
		size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		buf_reset(&msg);
		if ((kind & 3) == 0)
			buf_put(&msg, data + pos, len);
		else if (sync_chunk_seal(tx->ctx, kind & 3, data + pos, len, kind & 4, &msg))
			buf_reset(&msg);
		pos += len;
		struct sync_input_result r;
		uint64_t refused = sync_session_report(s)->refused;
		int rc = sync_session_input(s, msg.data ? msg.data : (const uint8_t *)"", msg.len, now, &r);
		if (rc && rc != -ENOMEM && rc != ERR_STORAGE)
			fuzz_fail("only those two are allowed out (sync.h)");
		if (!rc && (r.kind < SYNC_IN_HELLO || r.kind > SYNC_IN_REFUSED))
			fuzz_fail("every input gets a kind");
		if (!rc && r.kind == SYNC_IN_REFUSED && r.why >= 0)
			fuzz_fail("a reason when refused");
		if (!rc && r.why < 0 && r.kind != SYNC_IN_REFUSED && r.kind != SYNC_IN_NEED_MORE)
			fuzz_fail("a reason only when refused, or held with ranges refused meanwhile");
		if (!rc && sync_session_report(s)->refused - refused != r.refused)
			fuzz_fail("the result counts what the report counts");
		if (so.group && sync_session_flush(s))
			abort();
		now += (uint64_t)(kind >> 3) * 500;
		sync_session_tick(s, now);
		int k = 0;
		while ((rc = sync_session_output(s, &out, now)) == 1 && k++ < 1000)
			;
		if (rc < 0)
			abort();
	}
	(void)sync_session_idle(s);
	fuzz_note(sync_session_report(s)->chunks > 0);
	buf_release(&msg);
	buf_release(&out);
	sync_session_free(s);
	fuzz_node_close(&rx);
	return 0;
}
