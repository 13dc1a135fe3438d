/* SPDX-License-Identifier: MIT */
/*
 * sim.h - replay the workload trace into one replica per station and cut
 * each station's day into the delta it sends. Header-only, shared by the
 * dictionary trainer (sync/dict/train.c) and the benchmark
 * (tests/bench/bench_sync.c); not part of the library.
 *
 * Each trace op becomes one local commit of its site, at wall time t, in
 * the scope of the station (the site itself). The hub's ops are skipped:
 * the figures are about what stations send. Author = a fixed key per site.
 */
#ifndef CUNLIAN_SYNC_SIM_H
#define CUNLIAN_SYNC_SIM_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "sync/dict/trace.h"
#include "sync/sync.h"

struct sim_site {
	char name[24];
	char **lines;
	size_t n, cap;
};

struct sim {
	struct sim_site *s;
	size_t n, cap;
};

/* Read the trace (a pipe or file), grouping station lines by site. */
static int sim_read(struct sim *sim, FILE *f)
{
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	memset(sim, 0, sizeof(*sim));
	while ((len = getline(&line, &lcap, f)) > 0) {
		const char *p = strstr(line, "\"site\":\"");
		if (!p)
			continue;
		p += 8;
		const char *q = strchr(p, '"');
		if (!q || q - p >= 24 || strncmp(p, "hub", 3) == 0)
			continue;
		size_t k;
		for (k = sim->n; k > 0; k--)
			if (strncmp(sim->s[k - 1].name, p, (size_t)(q - p)) == 0 && sim->s[k - 1].name[q - p] == 0)
				break;
		if (k == 0) {
			for (k = 0; k < sim->n; k++)
				if (strncmp(sim->s[k].name, p, (size_t)(q - p)) == 0 && sim->s[k].name[q - p] == 0)
					break;
			if (k == sim->n) {
				if (MEM_GROW(sim->s, sim->cap, sim->n + 1)) {
					free(line);
					return -ENOMEM;
				}
				memset(&sim->s[sim->n], 0, sizeof(sim->s[0]));
				memcpy(sim->s[sim->n].name, p, (size_t)(q - p));
				sim->n++;
			}
			k++;
		}
		struct sim_site *s = &sim->s[k - 1];
		if (MEM_GROW(s->lines, s->cap, s->n + 1) || !(s->lines[s->n] = strdup(line))) {
			free(line);
			return -ENOMEM;
		}
		s->n++;
	}
	free(line);
	return 0;
}

static void sim_free(struct sim *sim)
{
	for (size_t i = 0; i < sim->n; i++) {
		for (size_t j = 0; j < sim->s[i].n; j++)
			free(sim->s[i].lines[j]);
		free(sim->s[i].lines);
	}
	free(sim->s);
}

struct sim_chunks {
	size_t n;
	unsigned char *p[64];
	size_t len[64];
};

static int sim_keep(void *arg, const uint8_t *chunk, size_t len, const struct sync_chunk_info *info)
{
	struct sim_chunks *c = arg;
	(void)info;
	if (c->n == 64)
		return -E2BIG;
	c->p[c->n] = malloc(len);
	memcpy(c->p[c->n], chunk, len);
	c->len[c->n++] = len;
	return 0;
}

/*
 * Replay one station into a fresh replica at path and export, for each
 * day d < ndays, the delta of that day's commits (chunks into out[d]) with
 * opt, for a reader of the scopes in reads (NULL: none; the hub: all, so
 * an enrolled station's ranges travel opened); when closed is not NULL,
 * the same delta for a reader of none (commit by commit) into closed[d].
 * Returns 0 or an error code.
 */
static int sim_station_for(const struct sim_site *site, const char *path,
			   const struct sync_options *opt, const struct sync_scopes *reads, int ndays,
			   struct sim_chunks *out, struct sim_chunks *closed, struct sync_identity *id_out)
{
	struct sync_identity id;
	struct crdt_store *st = NULL;
	struct sync_ctx *ctx = NULL;
	struct crdt_options co = { .no_sync = true };
	struct tr_op *op = malloc(sizeof(*op));
	unsigned char seed[32];
	uint64_t seq_end = 0, seq = 0;
	int rc, day = 0;

	tr_site_seed(site->name, seed);
	if ((rc = sync_identity_from_seed(&id, seed)))
		goto out;
	remove(path);
	if ((rc = crdt_store_open(&st, path, id.pk, &co)) || (rc = sync_ctx_new(&ctx, st, &id, opt)))
		goto out;
	for (size_t i = 0; i <= site->n; i++) {
		int d = ndays;
		if (i < site->n) {
			if (tr_parse(site->lines[i], op)) {
				rc = ERR_CORRUPT;
				goto out;
			}
			d = tr_day(op->t);
		}
		while (day < d && day < ndays) { /* the day is over: cut its delta */
			struct crdt_vv_entry vv;
			memcpy(vv.author, id.pk, 32);
			snprintf(vv.scope, sizeof(vv.scope), "%s", site->name);
			vv.seq = seq_end;
			if ((rc = sync_delta_export_for(ctx, &vv, 1, NULL, reads, sim_keep, &out[day])))
				goto out;
			if (closed && (rc = sync_delta_export(ctx, &vv, 1, NULL, sim_keep, &closed[day])))
				goto out;
			seq_end = seq;
			day++;
		}
		if (i == site->n || d >= ndays)
			break;
		struct crdt_write w;
		struct crdt_commit_info info;
		if (tr_write(op, &w)) {
			rc = ERR_SCHEMA;
			goto out;
		}
		if ((rc = crdt_commit_local(st, op->t, site->name, &w, 1, &info)))
			goto out;
		seq = info.seq;
	}
	rc = 0;
out:
	sync_ctx_free(ctx);
	crdt_store_close(st);
	if (id_out && !rc)
		*id_out = id;
	else
		sync_identity_release(&id);
	free(op);
	return rc;
}

static __attribute__((unused)) int sim_station(const struct sim_site *site, const char *path,
					       const struct sync_options *opt, int ndays,
					       struct sim_chunks *out, struct sync_identity *id_out)
{
	return sim_station_for(site, path, opt, NULL, ndays, out, NULL, id_out);
}

#endif
