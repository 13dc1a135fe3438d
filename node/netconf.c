// SPDX-License-Identifier: MIT
/*
 * netconf.c - the network keys of node.conf (docs/config.md): where to
 * listen, which peers to sync with over which kind of link, how often,
 * and the server's limits. Every key is checked; a bad one is refused
 * with its line and the reason, so `cunlian serve` never starts half
 * configured. Keys this file does not know belong to node/config.c and
 * are left alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/utf8.h"
#include "node/net.h"

static char *node_net_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int node_net_num(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	if (!*v || *v == '-')
		return ERR_USAGE;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return ERR_USAGE;
	*out = x;
	return 0;
}

/* Link profiles a technician can name instead of numbers. */
static int node_net_profile(const char *name, struct radio_link *l, unsigned *interval_s)
{
	if (interval_s) /* a LoRa peer is synced less often (NODE_LORA_INTERVAL_S) */
		*interval_s = strcmp(name, "lora") == 0 ? NODE_LORA_INTERVAL_S : 0;
	if (strcmp(name, "wifi") == 0)
		*l = (struct radio_link){ .ack_timeout_ms = 1000, .retransmit = 4, .window = 8, .block = 1024 };
	else if (strcmp(name, "gprs") == 0)
		*l = (struct radio_link){ .ack_timeout_ms = 2000, .retransmit = 5, .window = 8, .block = 1024 };
	else if (strcmp(name, "lora") == 0)
		*l = (struct radio_link){ .ack_timeout_ms = 8000, .retransmit = 6, .window = 1, .block = 128,
					  .frame = RADIO_LORA_PAYLOAD };
	else
		return ERR_USAGE;
	return 0;
}

/* One link key=value into l (and a peer's interval and batch, when p:
 * the peer's line). */
static int node_net_link_kv(struct radio_link *l, struct node_net_peer *p, const char *k, const char *v)
{
	uint64_t x;
	if (strcmp(k, "profile") == 0)
		return node_net_profile(v, l, p ? &p->interval_s : NULL);
	if (p && strcmp(k, "interval") == 0) {
		if (node_net_num(v, 1, 86400, &x))
			return ERR_USAGE;
		p->interval_s = (unsigned)x;
		return 0;
	}
	if (p && strcmp(k, "batch") == 0) { /* the peer's own lora_batch */
		if (node_net_num(v, 0, 604800, &x))
			return ERR_USAGE;
		p->batch_s = (unsigned)x;
		p->batch_set = true;
		return 0;
	}
	if (strcmp(k, "ack_timeout") == 0) {
		if (node_net_num(v, 1000, 600000, &x))
			return ERR_USAGE;
		l->ack_timeout_ms = (unsigned)x;
	} else if (strcmp(k, "retransmit") == 0) {
		if (node_net_num(v, 1, 20, &x))
			return ERR_USAGE;
		l->retransmit = (unsigned)x;
	} else if (strcmp(k, "window") == 0) {
		if (node_net_num(v, 1, 64, &x))
			return ERR_USAGE;
		l->window = (unsigned)x;
	} else if (strcmp(k, "block") == 0) {
		if (node_net_num(v, 16, 1024, &x) || (x & (x - 1)))
			return ERR_USAGE;
		l->block = (unsigned)x;
	} else {
		return ERR_NOTFOUND;
	}
	return 0;
}

int node_net_peer_parse(const char *v, const struct radio_link *defaults, struct node_net_peer *p,
			enum node_msg_id *why)
{
	char tmp[512], *save = NULL, *tok;
	memset(p, 0, sizeof(*p));
	if (defaults)
		p->link = *defaults;
	*why = M_NCR_PEER;
	if (strlen(v) >= sizeof(tmp))
		return ERR_USAGE;
	snprintf(tmp, sizeof(tmp), "%s", v);
	tok = strtok_r(tmp, " \t", &save);
	if (!tok || strlen(tok) >= sizeof(p->uri) ||
	    radio_uri_parse(tok, p->host, sizeof(p->host), &p->port) || p->port == 0)
		return ERR_USAGE;
	snprintf(p->uri, sizeof(p->uri), "%s", tok);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return ERR_USAGE;
		*eq = '\0';
		if (node_net_link_kv(&p->link, p, tok, eq + 1))
			return ERR_USAGE;
	}
	if (p->link.frame && p->link.block + RADIO_FRAME_SPARE > p->link.frame) {
		*why = M_NCR_LORA_BLOCK; /* a datagram that cannot cross the air */
		return ERR_USAGE;
	}
	if (p->link.frame && !p->interval_s) /* a LoRa link, from the file's profile too */
		p->interval_s = NODE_LORA_INTERVAL_S;
	if (!p->link.frame) /* batching is for LoRa alone */
		p->batch_s = 0;
	else if (!p->batch_set)
		p->batch_s = NODE_LORA_BATCH_S;
	return 0;
}

void node_net_peer_batch(const struct node_net_conf *c, struct node_net_peer *p)
{
	if (p->link.frame && !p->batch_set)
		p->batch_s = c->lora_batch_s;
}

static void node_net_conf_defaults(struct node_net_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "0.0.0.0:%u", RADIO_PORT);
	c->interval_s = 300;
	c->backoff_max_s = 3600;
	c->sync_timeout_s = 120;
	c->chunk = SYNC_CHUNK_IP; /* two CoAP blocks; LoRa: NODE_LORA_CHUNK */
	c->lora_batch_s = NODE_LORA_BATCH_S;
	c->max_sessions = 64;
	c->log = -1;
	c->compact_keep_days = -1;
	radio_limits_default(&c->limits);
	c->link = (struct radio_link){ .ack_timeout_ms = 2000, .retransmit = 4, .window = 8, .block = 1024 };
}

bool node_net_http_ok(const char *v)
{
	char host[RADIO_ADDR_MAX];
	unsigned port;
	return radio_listen_parse(v, host, sizeof(host), &port) == 0 && strchr(host, ':') == NULL &&
	       port > 0; /* IPv4: the board's own Wi-Fi */
}

/* One key of the server's own settings; ERR_NOTFOUND when not ours. */
static int node_net_key(struct node_net_conf *c, const char *k, const char *v, enum node_msg_id *why)
{
	uint64_t x;
	char host[RADIO_ADDR_MAX];
	unsigned port;
	int rc;

	*why = M_NCR_NUMBER;
	if (strcmp(k, "listen") == 0) {
		*why = M_NCR_ADDRESS;
		if (strcmp(v, "none") != 0 &&
		    (strlen(v) >= sizeof(c->listen) || radio_listen_parse(v, host, sizeof(host), &port)))
			return ERR_USAGE;
		snprintf(c->listen, sizeof(c->listen), "%s", v);
		return 0;
	}
	if (strcmp(k, "http") == 0) { /* the web pages (web/web.h) */
		*why = M_NCR_HTTP;
		if (strcmp(v, "none") == 0) {
			c->http[0] = '\0';
			return 0;
		}
		if (!node_net_http_ok(v) || strlen(v) >= sizeof(c->http))
			return ERR_USAGE;
		snprintf(c->http, sizeof(c->http), "%s", v);
		return 0;
	}
	if (strcmp(k, "wifi_ssid") == 0 || strcmp(k, "wifi_password") == 0) { /* the poster's QR */
		bool ssid = k[5] == 's';
		size_t n = strlen(v), lo = ssid ? 1 : 8, hi = ssid ? 32 : 63;
		*why = M_NCR_WIFI;
		if (n < lo || n > hi || !utf8_valid(v, n))
			return ERR_USAGE;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f || (!ssid && (unsigned char)v[i] > 0x7e))
				return ERR_USAGE;
		snprintf(ssid ? c->wifi_ssid : c->wifi_password, ssid ? sizeof(c->wifi_ssid) : sizeof(c->wifi_password),
			 "%s", v);
		return 0;
	}
	if (strcmp(k, "log") == 0) {
		*why = M_NCR_LEVEL;
		c->log = node_log_level_parse(v);
		return c->log < 0 ? ERR_USAGE : 0;
	}
	struct {
		const char *name;
		uint64_t lo, hi;
	} nums[] = {
		{ "interval", 1, 86400 },	{ "backoff_max", 1, 86400 },
		{ "sync_timeout", 1, 86400 },	{ "chunk", 256, 65536 },
		{ "max_sessions", 1, 100000 },	{ "max_peers", 1, 100000 },
		{ "peer_bytes", 1024, (uint64_t)1 << 30 }, { "total_bytes", 1024, (uint64_t)1 << 32 },
		{ "rate", 1, 100000 },		{ "compact_keep_days", 0, 36500 },
		{ "lora_batch", 0, 604800 },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(k, nums[i].name) != 0)
			continue;
		if ((rc = node_net_num(v, nums[i].lo, nums[i].hi, &x)))
			return rc;
		switch (i) {
		case 0: c->interval_s = (unsigned)x; break;
		case 1: c->backoff_max_s = (unsigned)x; break;
		case 2: c->sync_timeout_s = (unsigned)x; break;
		case 3:
			c->chunk = (size_t)x;
			c->chunk_set = true;
			break;
		case 4: c->max_sessions = (size_t)x; break;
		case 5: c->limits.max_peers = (size_t)x; break;
		case 6: c->limits.peer_bytes = (size_t)x; break;
		case 7: c->limits.total_bytes = (size_t)x; break;
		case 8:
			c->limits.rate = (unsigned)x;
			c->limits.burst = 2 * (unsigned)x;
			break;
		case 9: c->compact_keep_days = (int)x; break;
		default: c->lora_batch_s = (unsigned)x; break;
		}
		return 0;
	}
	rc = node_net_link_kv(&c->link, NULL, k, v);
	if (rc == ERR_USAGE)
		*why = strcmp(k, "profile") == 0 ? M_NCR_PEER : M_NCR_NUMBER;
	return rc;
}

int node_net_conf_read(const char *path, struct node_net_conf *c, int *line, enum node_msg_id *why)
{
	char buf[600];
	struct { int line; char v[512]; } *peers = NULL;
	size_t np = 0;
	int n = 0, rc = 0;
	FILE *f;

	node_net_conf_defaults(c);
	*line = 0;
	*why = M_NONE;
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	peers = calloc(NODE_PEERS_MAX, sizeof(*peers));
	if (!peers) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *k = node_net_trim(buf), *eq, *v;
		n++;
		if (*k == '\0' || *k == '#')
			continue;
		if (!(eq = strchr(k, '='))) {
			*why = M_NCR_SYNTAX;
			rc = ERR_USAGE;
			break;
		}
		*eq = '\0';
		v = node_net_trim(eq + 1);
		k = node_net_trim(k);
		if (strcmp(k, "peer") == 0) { /* after the defaults: parsed below */
			if (np == NODE_PEERS_MAX || strlen(v) >= sizeof(peers[0].v)) {
				*why = np == NODE_PEERS_MAX ? M_NCR_TOO_MANY : M_NCR_PEER;
				rc = ERR_USAGE;
				break;
			}
			peers[np].line = n;
			snprintf(peers[np].v, sizeof(peers[np].v), "%s", v);
			np++;
			continue;
		}
		rc = node_net_key(c, k, v, why);
		if (rc == ERR_NOTFOUND && app_conf_key(k)) { /* node.conf's own key */
			rc = 0;
			continue;
		}
		if (rc == ERR_NOTFOUND) { /* a misspelt key would be silently ignored */
			*why = M_NCR_UNKNOWN;
			rc = ERR_USAGE;
		}
		if (rc)
			break;
	}
	fclose(f);
	for (size_t i = 0; !rc && i < np; i++) {
		if ((rc = node_net_peer_parse(peers[i].v, &c->link, &c->peer[i], why)))
			n = peers[i].line;
		else
			node_net_peer_batch(c, &c->peer[c->npeers++]);
	}
	for (size_t i = 0; !rc && !c->chunk_set && i < c->npeers; i++)
		if (c->peer[i].link.frame) /* a LoRa peer: one signed chunk per batch */
			c->chunk = NODE_LORA_CHUNK;
	free(peers);
	if (rc)
		*line = n;
	else
		*why = M_NONE;
	return rc;
}
