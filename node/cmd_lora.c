// SPDX-License-Identifier: MIT
/*
 * cmd_lora.c - `cunlian lora-bridge`: a node's CoAP traffic over a serial
 * LoRa modem (radio/bridge.c). One bridge per modem, next to the node:
 *
 *   station: cunlian lora-bridge --serial /dev/ttyUSB0
 *            node.conf: peer = coap://127.0.0.1:5684 profile=lora
 *   hub:     cunlian lora-bridge --serial /dev/ttyUSB0 --udp 127.0.0.1:5685 \
 *                --to 127.0.0.1:5683
 *
 * No home is needed. Runs until SIGTERM/SIGINT (through a signalfd, as
 * serve does), logs what crosses every --stats seconds and at the end,
 * and warns (once per size) about datagrams too big for a frame, with
 * what to change. A missing device, a line that is not a serial port,
 * and a bad option are refused before anything runs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/err.h"
#include "node/net.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))
#define NODE_LORA_UDP "127.0.0.1:5684"

static void node_lora_counts(const struct node_ctx *ctx, const struct node_log *log, int level,
			     const struct radio_bridge *b)
{
	struct radio_bridge_counters c;
	radio_bridge_counters(b, &c);
	node_net_log(ctx, log, level, M_LORA_COUNTS, (unsigned long long)c.air_out,
		     (unsigned long long)c.air_in, (unsigned long long)c.too_big,
		     (unsigned long long)c.queue_full, (unsigned long long)c.bad_crc + c.bad_len,
		     (unsigned long long)c.foreign, (unsigned long long)c.no_dest);
}

int node_cmd_lora_bridge(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = {
		{ "serial", true, NULL }, { "baud", true, NULL }, { "udp", true, NULL },
		{ "to", true, NULL },     { "log", true, NULL },  { "stats", true, NULL },
	};
	const char *pos[1];
	size_t npos;
	struct radio_bridge *b = NULL;
	struct radio_bridge_options bo = { .udp = NODE_LORA_UDP };
	struct node_log log;
	char host[RADIO_ADDR_MAX];
	unsigned port;
	int64_t baud = 9600, stats = 600;
	sigset_t mask, old;
	bool masked = false;
	int fd = -1, sfd = -1, rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);

	if (rc)
		return rc > 0 ? 0 : rc;
	if (!o[0].val)
		return node_fail(ctx, ERR_USAGE, M_LORA_NEEDS);
	if (o[1].val && app_parse_int(o[1].val, 1, 4000000, &baud))
		return node_fail(ctx, ERR_USAGE, M_LORA_BAD_BAUD, o[1].val);
	if (o[2].val)
		bo.udp = o[2].val;
	if (strncmp(bo.udp, "coap://", 7) == 0 || radio_uri_parse(bo.udp, host, sizeof(host), &port))
		return node_fail(ctx, ERR_USAGE, M_LORA_BAD_ADDR, "--udp", bo.udp);
	if (o[3].val) {
		bo.to = o[3].val;
		if (strncmp(bo.to, "coap://", 7) == 0 || radio_uri_parse(bo.to, host, sizeof(host), &port) ||
		    port == 0)
			return node_fail(ctx, ERR_USAGE, M_LORA_BAD_ADDR, "--to", bo.to);
	}
	if (o[5].val && app_parse_int(o[5].val, 1, 86400, &stats))
		return node_fail(ctx, ERR_USAGE, M_BAD_NUMBER, "--stats", o[5].val);
	node_log_init(&log, stderr);
	if (o[4].val) {
		int lv = node_log_level_parse(o[4].val);
		if (lv < 0)
			return node_fail(ctx, ERR_USAGE, M_NET_BAD_LEVEL, o[4].val);
		log.max = lv;
	}
	rc = radio_serial_open(o[0].val, (unsigned)baud, &fd);
	if (rc == ERR_USAGE)
		return node_fail(ctx, rc, M_LORA_BAD_BAUD, o[1].val);
	if (rc == ERR_NOTFOUND)
		return node_fail(ctx, rc, M_LORA_NO_DEVICE, o[0].val);
	if (rc == -ENOTTY)
		return node_fail(ctx, ERR_USAGE, M_LORA_NOT_SERIAL, o[0].val);
	if (rc)
		return node_fail(ctx, rc, M_LORA_OPEN_FAIL, o[0].val, node_reason(ctx->lang, rc));
	if ((rc = radio_bridge_new(&b, fd, &bo))) {
		rc = node_fail(ctx, rc, M_NET_LISTEN_FAIL, bo.udp, node_reason(ctx->lang, rc));
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, &old) == 0)
		masked = true;
	if ((sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		rc = -errno;
		goto out;
	}
	node_net_log(ctx, &log, NODE_LOG_INFO, M_LORA_START, o[0].val, (unsigned)baud, bo.udp,
		     radio_bridge_port(b), bo.to ? bo.to : node_msg(ctx->lang, M_LORA_TO_LAST),
		     (unsigned)RADIO_LORA_PAYLOAD);
	uint64_t next_stats = node_net_mono_ms() + (uint64_t)stats * 1000;
	size_t warned = 0;
	for (;;) {
		struct signalfd_siginfo si;
		struct radio_bridge_counters c;
		if ((rc = radio_bridge_run(b, 50)))
			break;
		radio_bridge_counters(b, &c);
		if (c.too_big && c.last_too_big != warned) { /* once per size */
			warned = c.last_too_big;
			node_net_log(ctx, &log, NODE_LOG_WARNING, M_LORA_TOO_BIG, c.last_too_big,
				     (unsigned)RADIO_LORA_PAYLOAD);
		}
		if (node_net_mono_ms() >= next_stats) {
			next_stats += (uint64_t)stats * 1000;
			node_lora_counts(ctx, &log, NODE_LOG_INFO, b);
		}
		if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			break;
	}
	node_lora_counts(ctx, &log, NODE_LOG_INFO, b);
	node_net_log(ctx, &log, NODE_LOG_INFO, M_LORA_STOP);
	if (rc) /* the line went away */
		rc = node_fail(ctx, rc, M_LORA_LINE_LOST, o[0].val, node_reason(ctx->lang, rc));
out:
	radio_bridge_free(b);
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	if (masked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
