// SPDX-License-Identifier: MIT
/*
 * cmd_linksim.c - `cunlian linksim`: the link simulator as a UDP relay
 * process (a test and technician tool: it runs two real nodes over a
 * simulated GPRS or lossy link on one machine), or with --pty as the air
 * between two LoRa modems: two pseudo-terminals for two `lora-bridge
 * --serial` (radio_air). No home is needed. Runs until SIGTERM/SIGINT or
 * --duration, then prints its counters.
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

static int node_linksim_real(struct node_ctx *ctx, const char *name, const char *v, double *out)
{
	char *end;
	double d = strtod(v, &end);
	if (!*v || *end || d < 0 || d > 1)
		return node_fail(ctx, ERR_USAGE, M_LINKSIM_BAD, name, v);
	*out = d;
	return 0;
}

static int node_linksim_int(struct node_ctx *ctx, const char *name, const char *v, int64_t hi, int64_t *out)
{
	if (app_parse_int(v, 0, hi, out))
		return node_fail(ctx, ERR_USAGE, M_LINKSIM_BAD, name, v);
	return 0;
}

int node_cmd_linksim(struct node_ctx *ctx, int argc, char **argv)
{
	struct node_opt o[] = {
		{ "listen", true, NULL },   { "to", true, NULL },        { "profile", true, NULL },
		{ "loss", true, NULL },     { "dup", true, NULL },       { "reorder", true, NULL },
		{ "delay-ms", true, NULL }, { "jitter-ms", true, NULL }, { "rate", true, NULL },
		{ "mtu", true, NULL },      { "seed", true, NULL },      { "duration", true, NULL },
		{ "pty", false, NULL },
	};
	const char *pos[1];
	size_t npos;
	struct radio_sim_profile pr;
	struct radio_relay *relay = NULL;
	struct radio_air *air = NULL;
	bool pty;
	int64_t v, seed = 1, duration = 0;
	sigset_t mask, old;
	int sfd = -1, rc = node_opts_parse(ctx, argc, argv, o, NOPTS(o), pos, 0, &npos);

	if (rc)
		return rc > 0 ? 0 : rc;
	pty = o[12].val != NULL;
	if (!pty && (!o[0].val || !o[1].val))
		return node_fail(ctx, ERR_USAGE, M_LINKSIM_NEEDS);
	if (radio_sim_profile_named(&pr, o[2].val ? o[2].val : pty ? "lora" : "perfect"))
		return node_fail(ctx, ERR_USAGE, M_LINKSIM_BAD, "profile", o[2].val);
	if ((o[3].val && (rc = node_linksim_real(ctx, "loss", o[3].val, &pr.loss))) ||
	    (o[4].val && (rc = node_linksim_real(ctx, "dup", o[4].val, &pr.dup))) ||
	    (o[5].val && (rc = node_linksim_real(ctx, "reorder", o[5].val, &pr.reorder))))
		return rc;
	if (o[6].val) {
		if ((rc = node_linksim_int(ctx, "delay-ms", o[6].val, 600000, &v)))
			return rc;
		pr.delay_ms = (unsigned)v;
	}
	if (o[7].val) {
		if ((rc = node_linksim_int(ctx, "jitter-ms", o[7].val, 600000, &v)))
			return rc;
		pr.jitter_ms = (unsigned)v;
	}
	if (o[8].val) {
		if ((rc = node_linksim_int(ctx, "rate", o[8].val, INT64_MAX >> 4, &v)))
			return rc;
		pr.bitrate = (uint64_t)v;
	}
	if (o[9].val) {
		if ((rc = node_linksim_int(ctx, "mtu", o[9].val, 65535, &v)))
			return rc;
		pr.mtu = (size_t)v;
	}
	if (o[10].val && (rc = node_linksim_int(ctx, "seed", o[10].val, INT64_MAX, &seed)))
		return rc;
	if (o[11].val && (rc = node_linksim_int(ctx, "duration", o[11].val, 86400 * 365, &duration)))
		return rc;
	if (pty && (!pr.mtu || pr.mtu > RADIO_LORA_PAYLOAD))
		pr.mtu = RADIO_LORA_PAYLOAD; /* a frame is a frame */
	if (pty && (rc = radio_air_new(&air, &pr, (uint64_t)seed)))
		return node_fail(ctx, rc, M_FAILED, node_reason(ctx->lang, rc));
	if (!pty && (rc = radio_relay_new(&relay, o[0].val, o[1].val, &pr, (uint64_t)seed)))
		return node_fail(ctx, rc, M_NET_LISTEN_FAIL, o[0].val, node_reason(ctx->lang, rc));
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (pty)
		node_say(ctx, M_LINKSIM_AIR, radio_air_name(air, 0), radio_air_name(air, 1), pr.loss,
			 (unsigned long long)pr.bitrate, pr.mtu, (unsigned long long)seed);
	else
		node_say(ctx, M_LINKSIM_START, o[0].val, o[1].val, pr.loss, pr.dup, pr.reorder, pr.delay_ms,
			 pr.jitter_ms, (unsigned long long)pr.bitrate, pr.mtu, (unsigned long long)seed);
	fflush(stdout);
	uint64_t end = duration ? node_net_mono_ms() + (uint64_t)duration * 1000 : UINT64_MAX;
	for (;;) {
		struct signalfd_siginfo si;
		if ((rc = pty ? radio_air_run(air, 50) : radio_relay_run(relay, 50)))
			break;
		if (sfd >= 0 && read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			break;
		if (node_net_mono_ms() >= end)
			break;
	}
	struct radio_sim_counters c;
	if (pty) {
		radio_air_counters(air, &c);
		node_say(ctx, M_LINKSIM_AIR_STOP, (unsigned long long)c.sent, (unsigned long long)c.delivered,
			 (unsigned long long)c.lost, (double)c.airtime_ms / 1000.0);
		radio_air_free(air);
		goto out;
	}
	radio_relay_counters(relay, &c);
	node_say(ctx, M_LINKSIM_STOP, (unsigned long long)c.sent, (unsigned long long)c.delivered,
		 (unsigned long long)c.lost, (unsigned long long)c.duplicated,
		 (unsigned long long)c.reordered, (unsigned long long)c.too_big);
	radio_relay_free(relay);
out:
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
