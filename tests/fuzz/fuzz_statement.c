// SPDX-License-Identifier: MIT
/* fuzz_statement.c - the enrolment decoders of sync/trust.c: statements
 * (signed by the county root) and enrolment requests, on any bytes. A
 * statement that decodes encodes back to the same bytes. */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sync_statement st;
	struct sync_request rq;
	fuzz_init();
	int rc = sync_statement_decode(data, size, &st);
	if (rc && rc != ERR_CORRUPT && rc != ERR_BADSIG)
		fuzz_fail("sync_statement_decode returned a code sync.h does not promise");
	fuzz_note(rc == 0 || sync_request_decode(data, size, &rq) == 0);
	if (rc == 0) {
		struct buf b;
		buf_init(&b, 0);
		sync_statement_encode(&b, &st);
		if (b.err || b.len != size || memcmp(b.data, data, size) != 0)
			abort();
		buf_release(&b);
	}
	(void)sync_request_decode(data, size, &rq);
	return 0;
}
