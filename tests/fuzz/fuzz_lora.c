// SPDX-License-Identifier: MIT
/* fuzz_lora.c - the LoRa/serial frame reader (radio/lora.c) on any byte
 * stream, fed in pieces whose sizes come from the input; every frame it
 * yields re-encodes to a frame it reads back to the same payload. */
#include "radio/radio.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct radio_lora_rx rx;
	size_t off = 0;
	bool any = false;
	radio_lora_rx_init(&rx);
	while (off < size) {
		size_t piece = 1 + data[off] % 64, pos = 0;
		if (piece > size - off)
			piece = size - off;
		const uint8_t *out;
		size_t out_len;
		while (radio_lora_rx_feed(&rx, data + off, piece, &pos, &out, &out_len) == 1) {
			any = true;
			if (out_len < 1 || out_len > RADIO_LORA_PAYLOAD)
				abort();
			uint8_t copy[RADIO_LORA_PAYLOAD];
			memcpy(copy, out, out_len);
			struct buf f;
			struct radio_lora_rx rx2;
			size_t p2 = 0, l2;
			const uint8_t *o2;
			buf_init(&f, 0);
			if (radio_lora_encode(&f, copy, out_len) || f.err)
				abort();
			radio_lora_rx_init(&rx2);
			if (radio_lora_rx_feed(&rx2, f.data, f.len, &p2, &o2, &l2) != 1 || l2 != out_len ||
			    memcmp(o2, copy, l2) != 0)
				abort();
			buf_release(&f);
		}
		off += piece;
	}
	fuzz_note(any);
	return 0;
}
