// SPDX-License-Identifier: MIT
/* fuzz_body.c - crdt_body_decode on any bytes: no crash, and on failure
 * the outputs are zeroed. */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crdt_write *w = (struct crdt_write *)1;
	size_t n = 7;
	int rc = crdt_body_decode(data, size, &w, &n);
	fuzz_note(rc == 0);
	if (rc && rc != ERR_CORRUPT && rc != ERR_TOOBIG && rc != ERR_SCHEMA && rc != -ENOMEM)
		fuzz_fail("crdt_body_decode returned a code crdt.h does not promise");
	if (rc) {
		if (w || n)
			fuzz_fail("a refused body left outputs set");
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (crdt_write_check(&w[i]))
			fuzz_fail("decode accepted what the schema check refuses");
	mem_free(w);
	return 0;
}
