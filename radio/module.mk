# SPDX-License-Identifier: MIT
# radio/ - links: CoAP over UDP (libcoap), the guard, the link simulator,
# LoRa framing (docs/protocol.md "CoAP resources", "LoRa framing").
LIB_SRCS += radio/guard.c radio/coap.c radio/linksim.c radio/lora.c radio/bridge.c radio/xchg.c radio/ports.c
TEST_SRCS += tests/test_radio.c
