// SPDX-License-Identifier: MIT
/*
 * feedmark.c - feed.mark: how far this node's identity may have numbered
 * its feeds and its record ids, kept beside identity.key, so that a
 * replica that lost commits (an SD card that died, a re-flashed board, a
 * replica.db removed or swapped for an older copy) is refused for writing
 * instead of silently handing out the same sequence numbers and ids again
 * (DESIGN.md "Durability"). `cunlian recover` (cmd_recover.c) is the way
 * back.
 *
 * The file, text, one record a line ("-" names the county-wide scope ""):
 *
 *   cunlian-feed-mark 1
 *   author <64 hex>                 the identity the numbers belong to
 *   lost 0|1                        a lost replica was seen (W4)
 *   feed <scope> <reserved> <floor> <sent>
 *   id <letter> <reserved> <floor>
 *
 * Invariants. For a feed (self, scope), M is the highest own seq the
 * replica holds, R its reserved and F its floor:
 *  W1. R >= every own seq that was ever durable in a replica under this
 *      identity. A local commit takes seq M + 1 only after a mark with
 *      R >= M + 1 + MARK_SLACK is on disk (temporary file, fsync, rename,
 *      fsync of the folder: app_mark_reserve). R grows in blocks of
 *      MARK_BLOCK, so the mark is written once per about
 *      MARK_BLOCK - MARK_SLACK commits, not once per commit; the slack
 *      covers another process committing between the read of M and the
 *      commit. Inside the command's write transaction (app_write_begin)
 *      the raise is made in memory and written once by app_mark_flush()
 *      from app_write_end(), before the COMMIT: still before any of
 *      those commits is durable, and one write for a whole import.
 *  W2. F <= M in every replica that lost nothing. F is only ever set to
 *      an M read outside any transaction of this process (so durable):
 *      at a reservation (M then, or inside the command's write
 *      transaction the M read at app_open before it), when own commits
 *      leave the node (a converged sync, a bundle export:
 *      app_mark_settle), and once per feed at app_open (F = 0 while the
 *      replica holds some: the feed's first commit is then guarded too).
 *      A crash anywhere leaves F <= M <= R, so such a replica is
 *      consistent. M < F means commits were lost, and some of those up to
 *      F may already be held elsewhere.
 *  W3. At node_open (node.conf written: init finished), a replica holding
 *      no own commit while some R > 0 lost them all (a new database under
 *      an identity that has written), whatever F says. Not on init's own
 *      path: an init cut short between its reservation and its first
 *      commit leaves R > 0 and nothing else, and must be able to run
 *      again. A reservation that raised R from 0 is undone when its commit
 *      fails, so after init R > 0 means some commit was made.
 *  W4. Once a lost replica is seen, `lost 1` is written and the replica
 *      stays refused until `recover` has fetched the own feeds back and
 *      listed what is gone: a plain sync that brings part of them back
 *      must not hide the loss.
 *  W5. Record ids "<prefix>-<letter><n>" (app_id_next) follow W1 per
 *      letter: R is raised before a commit writes a larger n. recover
 *      sets the id floors to R, and app_id_max never answers below the
 *      floor, so an id a lost commit may have carried is not handed out
 *      again (ids skip at most MARK_BLOCK numbers per recovery).
 *  W6. Every change of the file is made under an exclusive flock of
 *      feed.lock, on the file as re-read under the lock; R and F only
 *      grow, except that recover sets F to what came back and a failed
 *      first commit undoes its R (W3). A check reads the mark before M,
 *      so a floor another process has just raised (to an M durable then)
 *      is never above the M the check reads.
 *
 * What it cannot see: a replica that lost only commits made since the
 * last reservation, settle or first open (fewer than MARK_BLOCK, none of
 * them synced or exported) looks like one stopped by a power cut, and the
 * node goes on from M + 1. Those seqs never left the node through sync or
 * a bundle export; a neighbour that pulled them from this node's daemon
 * (`serve` answering) would hold them, which is why F is also raised at
 * every reservation. A damaged mark (it never should be: it is replaced
 * whole) counts as lost, and recover can then only skip the ids the
 * replica holds.
 *
 * Ownership: a->mark (heap) is loaded by app_mark_check() or the first
 * reservation and freed by app_mark_free().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "base/afile.h"
#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"
#include "app/mark.h"

#define MARK_BLOCK 64
#define MARK_SLACK 16
#define MARK_FEEDS_MAX 100000
#define MARK_LINE_MAX 256

/* Empty m as if nothing were read; what the check saw at open stays. */
static void mark_reset(struct app_mark *m)
{
	struct crdt_vv_entry *open_held = m->open_held;
	size_t nopen_held = m->nopen_held;
	mem_free(m->feed);
	memset(m, 0, sizeof(*m));
	m->open_held = open_held;
	m->nopen_held = nopen_held;
}

void app_mark_free(struct app *a)
{
	if (!a->mark)
		return;
	mark_reset(a->mark);
	mem_free(a->mark->open_held);
	mem_free(a->mark);
	a->mark = NULL;
}

static struct app_mark_feed *mark_feed(struct app_mark *m, const char *scope, bool add)
{
	for (size_t i = 0; i < m->nfeed; i++)
		if (strcmp(m->feed[i].scope, scope) == 0)
			return &m->feed[i];
	if (!add || m->nfeed >= MARK_FEEDS_MAX || strlen(scope) > CRDT_SCOPE_MAX)
		return NULL;
	if (MEM_GROW(m->feed, m->cap, m->nfeed + 1))
		return NULL;
	struct app_mark_feed *f = &m->feed[m->nfeed++];
	memset(f, 0, sizeof(*f));
	memcpy(f->scope, scope, strlen(scope) + 1);
	return f;
}

static bool mark_hex(const char *hex, uint8_t *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return false;
		out[i] = (uint8_t)b;
	}
	return true;
}

/* A number as we write them: 1 to 19 digits, at most INT64_MAX (a seq
 * or an id is an SQLite integer). */
static bool mark_num(const char *t, uint64_t *out)
{
	size_t n = strlen(t);
	uint64_t v = 0;
	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(t[i] - '0');
	}
	if (v > INT64_MAX)
		return false;
	*out = v;
	return true;
}

/* One line of the file (its newline cut) into m; false: not one we write. */
static bool mark_line(struct app_mark *m, char *line, int *err)
{
	char *tok[6], *save = NULL;
	size_t n = 0;
	uint64_t v[3] = { 0, 0, 0 };
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == 6)
			return false;
		tok[n++] = t;
	}
	if (n == 2 && strcmp(tok[0], "author") == 0)
		return mark_hex(tok[1], m->author, CRDT_AUTHOR_LEN);
	if (n == 2 && strcmp(tok[0], "lost") == 0 && mark_num(tok[1], &v[0]) && v[0] <= 1) {
		m->lost = v[0] == 1;
		return true;
	}
	if (n == 5 && strcmp(tok[0], "feed") == 0 && strlen(tok[1]) <= CRDT_SCOPE_MAX &&
	    mark_num(tok[2], &v[0]) && mark_num(tok[3], &v[1]) && mark_num(tok[4], &v[2]) &&
	    v[1] <= v[0] && v[2] <= v[0]) {
		struct app_mark_feed *e = mark_feed(m, strcmp(tok[1], "-") == 0 ? "" : tok[1], true);
		if (!e) {
			*err = -ENOMEM;
			return true;
		}
		e->reserved = v[0];
		e->floor = v[1];
		e->sent = v[2];
		return true;
	}
	if (n == 4 && strcmp(tok[0], "id") == 0 && tok[1][0] >= 'a' && tok[1][0] <= 'z' && !tok[1][1] &&
	    mark_num(tok[2], &v[0]) && mark_num(tok[3], &v[1]) && v[1] <= v[0]) {
		m->id_reserved[tok[1][0] - 'a'] = v[0];
		m->id_floor[tok[1][0] - 'a'] = v[1];
		return true;
	}
	return false;
}

/* Read feed.mark into m: 0, ERR_NOTFOUND (m empty), ERR_CORRUPT, -errno.
 * Every line is checked whole; a line longer than any we write, a number
 * out of range, a floor above its reservation, anything else: ERR_CORRUPT. */
static int mark_read(const struct app *a, struct app_mark *m)
{
	char path[APP_PATH_MAX + 32], line[MARK_LINE_MAX];
	int rc = 0, n = 0;
	FILE *f;

	mark_reset(m);
	app_path(a, path, sizeof(path), "feed.mark");
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? ERR_NOTFOUND : -errno;
	while (!rc && fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n');
		if (!nl || strlen(line) != (size_t)(nl - line) + 1) {
			rc = ERR_CORRUPT; /* too long, cut short, or a NUL inside */
			break;
		}
		*nl = '\0';
		if (n++ == 0)
			rc = strcmp(line, "cunlian-feed-mark 1") == 0 ? 0 : ERR_CORRUPT;
		else if (!mark_line(m, line, &rc))
			rc = ERR_CORRUPT;
	}
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	if (!rc && n == 0)
		rc = ERR_CORRUPT; /* empty: cut short before its first line */
	if (rc)
		mark_reset(m);
	else
		m->present = true;
	return rc;
}

/* Write m as feed.mark: the whole file on disk, or the old one (W1). */
static int mark_write(const struct app *a, const struct app_mark *m)
{
	char path[APP_PATH_MAX + 32], tmp[APP_PATH_MAX + 48], hex[2 * CRDT_AUTHOR_LEN + 1];
	int rc = 0, fd;
	FILE *f;

	app_path(a, path, sizeof(path), "feed.mark");
	app_path(a, tmp, sizeof(tmp), "feed.mark.tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (!(f = fdopen(fd, "w"))) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	app_hex(m->author, CRDT_AUTHOR_LEN, hex);
	fprintf(f, "cunlian-feed-mark 1\nauthor %s\nlost %d\n", hex, m->lost ? 1 : 0);
	for (size_t i = 0; i < m->nfeed; i++)
		fprintf(f, "feed %s %llu %llu %llu\n", m->feed[i].scope[0] ? m->feed[i].scope : "-",
			(unsigned long long)m->feed[i].reserved, (unsigned long long)m->feed[i].floor,
			(unsigned long long)m->feed[i].sent);
	for (int l = 0; l < 26; l++)
		if (m->id_reserved[l])
			fprintf(f, "id %c %llu %llu\n", 'a' + l, (unsigned long long)m->id_reserved[l],
				(unsigned long long)m->id_floor[l]);
	return afile_publish(f, tmp, path, true);
}

static int mark_lock(const struct app *a, int *fd)
{
	char path[APP_PATH_MAX + 32];
	app_path(a, path, sizeof(path), "feed.lock");
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0 && errno == EROFS)
		return 0; /* a file system gone read-only: nobody writes the mark there */
	if (*fd < 0)
		return -errno;
	while (flock(*fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int rc = -errno;
			close(*fd);
			*fd = -1;
			return rc;
		}
	}
	return 0;
}

static void mark_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the lock */
}

/* The mark as on disk, under the lock; a mark of another identity (a home
 * copied onto a new key) is dropped: its numbers are not this key's. A
 * damaged file counts as a lost replica (W4): no number in it is trusted. */
static int mark_load(struct app *a)
{
	if (!a->mark && !(a->mark = mem_calloc(1, sizeof(*a->mark))))
		return -ENOMEM;
	struct app_mark *m = a->mark;
	int rc = mark_read(a, m);
	if (rc == ERR_NOTFOUND || (!rc && memcmp(m->author, a->author, CRDT_AUTHOR_LEN) != 0)) {
		mark_reset(m);
		rc = 0;
	} else if (rc == ERR_CORRUPT) {
		mark_reset(m);
		m->damaged = true;
		m->lost = true;
		rc = 0;
	}
	memcpy(m->author, a->author, CRDT_AUTHOR_LEN);
	return rc;
}

/* This node's own feeds in the replica: a vv (mem_alloc'd) of self only. */
static int mark_own(struct app *a, struct crdt_vv_entry **own, size_t *n)
{
	struct crdt_vv_entry *vv = NULL;
	size_t nvv = 0, k = 0;
	int rc = crdt_store_vv(a->store, &vv, &nvv);
	*own = NULL;
	*n = 0;
	if (rc)
		return rc;
	for (size_t i = 0; i < nvv; i++)
		if (memcmp(vv[i].author, a->author, CRDT_AUTHOR_LEN) == 0)
			vv[k++] = vv[i];
	*own = vv;
	*n = k;
	return 0;
}

/* Compare the replica with the mark (loaded): set mismatch and the first
 * feed that does not match (W2, W4; W3 with empty_rule). */
static int mark_compare(struct app *a, bool empty_rule)
{
	struct app_mark *m = a->mark;
	uint64_t any_reserved = 0, any_held = 0;
	int rc = 0;

	m->checked = true;
	m->mismatch = m->lost;
	m->bad_scope[0] = '\0';
	m->bad_held = m->bad_floor = m->bad_reserved = 0;
	for (size_t i = 0; i < m->nfeed && !rc; i++) {
		uint64_t held;
		if ((rc = crdt_store_own_seq(a->store, m->feed[i].scope, &held)))
			break;
		any_reserved |= m->feed[i].reserved;
		any_held |= held;
		if (held < m->feed[i].floor && !m->mismatch) {
			m->mismatch = true;
			memcpy(m->bad_scope, m->feed[i].scope, sizeof(m->bad_scope));
			m->bad_held = held;
			m->bad_floor = m->feed[i].floor;
			m->bad_reserved = m->feed[i].reserved;
		}
	}
	if (!rc && empty_rule && any_reserved && !any_held && !m->mismatch) {
		/* W3: the node's own station scope (else the first) stands for all */
		const struct app_mark_feed *f = mark_feed(m, app_id_prefix(a), false);
		if (!f || !f->reserved)
			f = &m->feed[0];
		m->mismatch = true;
		memcpy(m->bad_scope, f->scope, sizeof(m->bad_scope));
		m->bad_floor = f->floor ? f->floor : 1; /* a commit was made */
		m->bad_reserved = f->reserved;
	}
	if (m->mismatch && !m->bad_scope[0] && m->nfeed && !m->bad_reserved) {
		memcpy(m->bad_scope, m->feed[0].scope, sizeof(m->bad_scope));
		m->bad_floor = m->feed[0].floor;
		m->bad_reserved = m->feed[0].reserved;
		rc = crdt_store_own_seq(a->store, m->feed[0].scope, &m->bad_held);
	}
	return rc;
}

/* Raise the mark to every own feed the replica holds beyond it (a mark
 * missing, from before feed.mark existed, or of an older copy): the
 * replica is the better witness there. Returns whether it changed. */
static int mark_heal(struct app *a, bool *changed)
{
	struct crdt_vv_entry *own;
	size_t n;
	int rc = mark_own(a, &own, &n);
	*changed = false;
	for (size_t i = 0; i < n && !rc; i++) {
		struct app_mark_feed *f = mark_feed(a->mark, own[i].scope, true);
		if (!f) {
			rc = -ENOMEM;
			break;
		}
		if (f->reserved < own[i].seq) {
			f->reserved = own[i].seq;
			*changed = true;
		}
		if (f->floor == 0 || (f->floor < own[i].seq && f->reserved == own[i].seq)) {
			f->floor = own[i].seq; /* once per feed: from now on its loss shows (W2) */
			*changed = true;
		}
	}
	if (rc) {
		mem_free(own);
		return rc;
	}
	mem_free(a->mark->open_held); /* read outside a transaction: durable */
	a->mark->open_held = own;
	a->mark->nopen_held = n;
	return 0;
}

/* Refuse a write on a replica that does not match (the front end adds
 * the ways out: recover, restore). */
static int mark_refuse(struct app *a)
{
	const struct app_mark *m = a->mark;
	char held[24], floor[24], reserved[24];
	if (m->damaged)
		return app_failf(a, ERR_CONFLICT, APP_W_MARK_DAMAGED, 2, a->home, app_id_prefix(a));
	if (m->bad_held >= m->bad_floor) /* W4 */
		return app_failf(a, ERR_CONFLICT, APP_W_MARK_LOST_SEEN, 2, a->home, app_id_prefix(a));
	snprintf(held, sizeof(held), "%llu", (unsigned long long)m->bad_held);
	snprintf(floor, sizeof(floor), "%llu", (unsigned long long)m->bad_floor);
	snprintf(reserved, sizeof(reserved), "%llu", (unsigned long long)m->bad_reserved);
	return app_failf(a, ERR_CONFLICT, APP_W_MARK_REFUSED, 5, m->bad_scope, held, floor, reserved,
			 app_id_prefix(a));
}

int app_mark_check(struct app *a)
{
	struct app_mark *m = NULL;
	int fd = -1, rc;
	bool writes = a->access != APP_READS, changed = false;

	if ((rc = mark_lock(a, &fd)) || (rc = mark_load(a)) || (rc = mark_compare(a, true)))
		goto out;
	m = a->mark;
	if (m->mismatch && !m->lost) {
		m->lost = true; /* W4 */
		changed = true;
	} else if (!m->mismatch && (rc = mark_heal(a, &changed))) {
		goto out;
	}
	if (changed && (rc = mark_write(a, m)) && !writes)
		rc = 0; /* a read-only home: reading goes on; writing cannot */
	if (changed && !rc)
		m->present = true;
out:
	mark_unlock(fd);
	if (rc)
		return app_failf(a, rc, APP_W_MARK_IO, 1, a->home);
	if (!m->mismatch || a->recovering)
		return 0;
	if (writes)
		return mark_refuse(a);
	char held[24];
	snprintf(held, sizeof(held), "%llu", (unsigned long long)m->bad_held);
	app_notef(a, APP_W_MARK_WARN, 3, m->bad_scope, held, app_id_prefix(a));
	return 0;
}

int app_mark_status(struct app *a, bool *mismatch)
{
	int fd = -1, rc;
	*mismatch = false;
	if (!(rc = mark_lock(a, &fd)) && !(rc = mark_load(a)))
		rc = mark_compare(a, true);
	mark_unlock(fd);
	if (!rc)
		*mismatch = a->mark->mismatch;
	return rc;
}

/* Does pk read "<prefix>-<letter><n>"? Then letter and n. */
static bool mark_id_parse(const char *prefix, const char *pk, size_t len, int *letter, uint64_t *n)
{
	size_t pl = strlen(prefix);
	if (len < pl + 3 || memcmp(pk, prefix, pl) != 0 || pk[pl] != '-' || pk[pl + 1] < 'a' ||
	    pk[pl + 1] > 'z' || len - pl - 2 > 18)
		return false;
	uint64_t v = 0;
	for (size_t i = pl + 2; i < len; i++) {
		if (pk[i] < '0' || pk[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(pk[i] - '0');
	}
	*letter = pk[pl + 1] - 'a';
	*n = v;
	return true;
}

/* Raise m in memory past what the commit takes (W1), and F to a durable M
 * (W2: held itself outside a transaction, else no more than what the check
 * read at open). *change when something moved. */
static void mark_bump(struct app *a, struct app_mark *m, struct app_mark_feed *f,
		      uint64_t held, const uint64_t need_id[26], bool in_txn,
		      struct app_mark_undo *undo, bool *change)
{
	if (f->reserved < held + 1 + MARK_SLACK) {
		undo->first = f->reserved == 0;
		snprintf(undo->scope, sizeof(undo->scope), "%s", f->scope);
		f->reserved = held + MARK_BLOCK;
		*change = true;
	}
	uint64_t durable = held;
	if (in_txn) {
		durable = 0;
		for (size_t i = 0; i < m->nopen_held; i++)
			if (strcmp(m->open_held[i].scope, f->scope) == 0)
				durable = m->open_held[i].seq < held ? m->open_held[i].seq : held;
	}
	if (f->floor < durable) {
		f->floor = durable;
		*change = true;
	}
	for (int l = 0; l < 26; l++)
		if (need_id[l] && m->id_reserved[l] < need_id[l] + MARK_SLACK) {
			m->id_reserved[l] = need_id[l] + MARK_BLOCK;
			*change = true;
		}
	(void)a;
}

int app_mark_reserve(struct app *a, const char *scope, const struct crdt_write *w, size_t n,
		      struct app_mark_undo *undo)
{
	uint64_t held, need_id[26] = { 0 };
	int fd = -1, rc;
	bool enough = true, change = false;

	memset(undo, 0, sizeof(*undo));
	if (a->mark && (a->mark->mismatch || a->mark->lost)) {
		/* lost survives a reload of the mark; mismatch is the check's */
		if (!a->mark->mismatch && (rc = mark_compare(a, false)))
			return app_fail_store(a, rc);
		return mark_refuse(a);
	}
	if ((rc = crdt_store_own_seq(a->store, scope, &held)))
		return app_fail_store(a, rc);
	for (size_t i = 0; i < n; i++) {
		int l;
		uint64_t v;
		if (w[i].pk && mark_id_parse(app_id_prefix(a), w[i].pk, w[i].pk_len, &l, &v) &&
		    v > need_id[l])
			need_id[l] = v;
	}
	/* the fast path: the mark in memory already covers this commit (read
	 * from the file, which it can only be behind, or raised by this run
	 * and written before its transaction commits) */
	if (a->mark && a->mark->present) {
		const struct app_mark_feed *f = mark_feed(a->mark, scope, false);
		enough = f && f->reserved >= held + 1 + MARK_SLACK;
		for (int l = 0; l < 26 && enough; l++)
			enough = !need_id[l] || a->mark->id_reserved[l] >= need_id[l] + MARK_SLACK;
		if (enough)
			return 0;
	}
	/* Inside the command's write transaction the mark is raised in memory
	 * and written once, by app_mark_flush() before the COMMIT: a large
	 * import costs one write of the mark, not one per block (W1 holds:
	 * the mark is on disk before any of the commits is). */
	bool in_txn = !sqlite3_get_autocommit(crdt_store_db(a->store));
	if (in_txn && a->mark && a->mark->dirty) {
		struct app_mark_feed *f = mark_feed(a->mark, scope, true);
		if (!f)
			return app_failf(a, -ENOMEM, APP_W_FAILED, 0);
		mark_bump(a, a->mark, f, held, need_id, in_txn, undo, &change);
		return 0;
	}
	bool checked = a->mark && a->mark->checked;
	if ((rc = mark_lock(a, &fd)) || (rc = mark_load(a)))
		goto out;
	struct app_mark *m = a->mark;
	/* a path that did not come through app_open (init on a home whose
	 * key survived) is compared here, before its first commit */
	if (!checked && !m->lost) {
		if ((rc = mark_compare(a, false)))
			goto out;
		if (m->mismatch) {
			m->lost = true; /* W4 */
			if ((rc = mark_write(a, m)))
				goto out;
		}
	}
	m->checked = true;
	if (m->lost) {
		mark_unlock(fd);
		if ((rc = mark_compare(a, false)))
			return app_fail_store(a, rc);
		m->mismatch = true; /* lost: refused whatever the numbers say (W4) */
		return mark_refuse(a);
	}
	struct app_mark_feed *f = mark_feed(m, scope, true);
	if (!f) {
		rc = -ENOMEM;
		goto out;
	}
	mark_bump(a, m, f, held, need_id, in_txn, undo, &change);
	if (change && in_txn)
		m->dirty = true; /* app_mark_flush() writes it */
	else if (change)
		rc = mark_write(a, m);
	m->present = !rc;
out:
	mark_unlock(fd);
	if (rc) {
		memset(undo, 0, sizeof(*undo));
		return app_failf(a, rc, APP_W_MARK_IO, 1, a->home);
	}
	return 0;
}

int app_mark_flush(struct app *a)
{
	struct app_mark disk;
	int fd = -1, rc;

	if (!a->mark || !a->mark->dirty)
		return 0;
	memset(&disk, 0, sizeof(disk));
	struct app_mark *m = a->mark;
	if (!(rc = mark_lock(a, &fd))) {
		/* what other processes wrote meanwhile: keep the larger of each (W6) */
		rc = mark_read(a, &disk);
		if (!rc && memcmp(disk.author, a->author, CRDT_AUTHOR_LEN) == 0) {
			for (size_t i = 0; i < disk.nfeed && !rc; i++) {
				struct app_mark_feed *f = mark_feed(m, disk.feed[i].scope, true);
				if (!f) {
					rc = -ENOMEM;
					break;
				}
				f->reserved = f->reserved > disk.feed[i].reserved ? f->reserved : disk.feed[i].reserved;
				f->floor = f->floor > disk.feed[i].floor ? f->floor : disk.feed[i].floor;
				f->sent = f->sent > disk.feed[i].sent ? f->sent : disk.feed[i].sent;
			}
			for (int l = 0; l < 26; l++) {
				if (m->id_reserved[l] < disk.id_reserved[l])
					m->id_reserved[l] = disk.id_reserved[l];
				if (m->id_floor[l] < disk.id_floor[l])
					m->id_floor[l] = disk.id_floor[l];
			}
			m->lost = m->lost || disk.lost;
		} else if (rc == ERR_NOTFOUND || rc == ERR_CORRUPT || !rc) {
			rc = 0; /* none, damaged, or another key's: ours replaces it */
		}
		if (!rc)
			rc = mark_write(a, m);
	}
	mark_unlock(fd);
	mark_reset(&disk);
	if (rc)
		return app_failf(a, rc, APP_W_MARK_IO, 1, a->home);
	m->dirty = false;
	return 0;
}

void app_mark_unreserve(struct app *a, const struct app_mark_undo *undo)
{
	uint64_t held;
	int fd = -1;
	if (!undo->first || !a->store || (a->mark && a->mark->dirty) ||
	    crdt_store_own_seq(a->store, undo->scope, &held) || held)
		return; /* (a raised mark not yet written stays raised: harmless) */
	if (mark_lock(a, &fd) == 0 && mark_load(a) == 0) {
		struct app_mark_feed *f = mark_feed(a->mark, undo->scope, false);
		if (f && f->floor == 0) {
			f->reserved = 0; /* W3: R > 0 only once a commit was made */
			mark_write(a, a->mark);
		}
	}
	mark_unlock(fd);
}

/*
 * feed.journal: one line per local commit, "j <scope> <seq> <id>...",
 * appended after the commit returned, without fsync.
 *  J1. It only ever informs: recover names the lost commits and their
 *      record ids from it. No decision about numbers reads it (W1-W6 do
 *      not depend on it), so a line lost in a power cut, or a line of a
 *      commit whose transaction was rolled back later, costs only the
 *      precision of that list (the last line of a seq wins).
 *  J2. Lines of commits that left the node (seq <= sent) are dropped when
 *      the mark is settled; recover drops them all. Past JOURNAL_MAX
 *      bytes the file becomes feed.journal.old (one generation kept), so
 *      it stays bounded on a node that never settles (a hub).
 */
#define JOURNAL_MAX ((off_t)1 << 20)
#define JOURNAL_LINE 512
#define JOURNAL_ENTRIES_MAX 100000

static bool mark_pk_ok(const char *pk, size_t len)
{
	if (!pk || !len || len > CRDT_PK_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = pk[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

void app_mark_journal(struct app *a, const char *scope, uint64_t seq,
		       const struct crdt_write *w, size_t n)
{
	char path[APP_PATH_MAX + 32], old[APP_PATH_MAX + 32], line[JOURNAL_LINE];
	struct stat sb;
	size_t len = (size_t)snprintf(line, sizeof(line), "j %s %llu", scope[0] ? scope : "-",
				      (unsigned long long)seq);
	if (len >= sizeof(line) - 2)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!mark_pk_ok(w[i].pk, w[i].pk_len) || len + w[i].pk_len + 2 >= sizeof(line))
			continue;
		line[len++] = ' ';
		memcpy(line + len, w[i].pk, w[i].pk_len);
		len += w[i].pk_len;
	}
	line[len++] = '\n';
	app_path(a, path, sizeof(path), "feed.journal");
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size > JOURNAL_MAX) {
		close(fd);
		app_path(a, old, sizeof(old), "feed.journal.old");
		rename(path, old);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return; /* J1: the list of what is lost gets vaguer, nothing else */
	if (write(fd, line, len) != (ssize_t)len) {
		/* J1 again */
	}
	close(fd);
}

struct mark_jentry {
	uint64_t seq;
	char scope[CRDT_SCOPE_MAX + 1];
	char ids[JOURNAL_LINE];
};

/* Every line of feed.journal(.old), oldest first, into *out. */
static int mark_journal_read(const struct app *a, struct mark_jentry **out, size_t *n)
{
	static const char *const files[] = { "feed.journal.old", "feed.journal" };
	struct mark_jentry *v = NULL;
	size_t len = 0, cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t k = 0; k < 2; k++) {
		char path[APP_PATH_MAX + 32], line[JOURNAL_LINE + 2];
		app_path(a, path, sizeof(path), files[k]);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f) && len < JOURNAL_ENTRIES_MAX) {
			char scope[CRDT_SCOPE_MAX + 2], num[24];
			uint64_t seq;
			int off = 0;
			if (!strchr(line, '\n') || sscanf(line, "j %33s %23s%n", scope, num, &off) != 2 ||
			    strlen(scope) > CRDT_SCOPE_MAX || !mark_num(num, &seq))
				continue; /* a torn line (J1) */
			int rc = MEM_GROW(v, cap, len + 1);
			if (rc) {
				fclose(f);
				mem_free(v);
				return rc;
			}
			struct mark_jentry *e = &v[len++];
			e->seq = seq;
			const char *sc = strcmp(scope, "-") == 0 ? "" : scope;
			memcpy(e->scope, sc, strlen(sc) + 1); /* fits: checked above */
			const char *ids = line + off;
			while (*ids == ' ')
				ids++;
			snprintf(e->ids, sizeof(e->ids), "%.*s", (int)strcspn(ids, "\n"), ids);
		}
		fclose(f);
	}
	*out = v;
	*n = len;
	return 0;
}

int app_mark_journal_each(struct app *a, const char *scope, uint64_t after,
			   void (*fn)(void *arg, uint64_t seq, const char *ids), void *arg)
{
	struct mark_jentry *v;
	size_t n;
	int rc = mark_journal_read(a, &v, &n);
	if (rc)
		return rc;
	/* ascending seq; the last line of a seq wins (J1): a small insertion
	 * pass over what is left after the filter */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].scope, scope) != 0 || v[i].seq <= after)
			continue;
		size_t j = 0;
		while (j < k && v[j].seq != v[i].seq)
			j++;
		v[j] = v[i];
		if (j == k)
			k++;
	}
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && v[j].seq < v[j - 1].seq; j--) {
			struct mark_jentry t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (size_t i = 0; i < k; i++)
		fn(arg, v[i].seq, v[i].ids);
	mem_free(v);
	return 0;
}

/* J2: keep only the lines of commits that did not leave (all: none). */
static int mark_journal_trim(struct app *a)
{
	char path[APP_PATH_MAX + 32], tmp[APP_PATH_MAX + 48], old[APP_PATH_MAX + 32];
	struct mark_jentry *v;
	size_t n;
	int rc = mark_journal_read(a, &v, &n);
	if (rc)
		return rc;
	app_path(a, path, sizeof(path), "feed.journal");
	app_path(a, tmp, sizeof(tmp), "feed.journal.tmp");
	app_path(a, old, sizeof(old), "feed.journal.old");
	FILE *f = fopen(tmp, "w");
	if (!f) {
		mem_free(v);
		return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		const struct app_mark_feed *e = mark_feed(a->mark, v[i].scope, false);
		if (!e || v[i].seq > e->sent)
			fprintf(f, "j %s %llu %s\n", v[i].scope[0] ? v[i].scope : "-",
				(unsigned long long)v[i].seq, v[i].ids);
	}
	mem_free(v);
	rc = fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
	fclose(f);
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	else
		unlink(old);
	return rc;
}

void app_mark_journal_clear(struct app *a)
{
	char path[APP_PATH_MAX + 32];
	app_path(a, path, sizeof(path), "feed.journal.old");
	unlink(path);
	app_path(a, path, sizeof(path), "feed.journal");
	unlink(path);
}

int app_mark_settle(struct app *a)
{
	struct crdt_vv_entry *own = NULL;
	size_t n = 0;
	int fd = -1, rc;
	bool change = false;

	if (!sqlite3_get_autocommit(crdt_store_db(a->store)))
		return 0; /* inside a transaction: what it holds may not be durable */
	if ((rc = mark_lock(a, &fd)) || (rc = mark_load(a)) || (rc = mark_own(a, &own, &n)))
		goto out;
	if (a->mark->lost)
		goto out; /* recover settles it, after listing what is gone */
	for (size_t i = 0; i < n; i++) {
		struct app_mark_feed *f = mark_feed(a->mark, own[i].scope, true);
		if (!f) {
			rc = -ENOMEM;
			goto out;
		}
		if (f->reserved < own[i].seq) {
			f->reserved = own[i].seq;
			change = true;
		}
		if (f->floor < own[i].seq || f->sent < own[i].seq) {
			f->floor = f->floor > own[i].seq ? f->floor : own[i].seq;
			f->sent = own[i].seq;
			change = true;
		}
	}
	if (change && !(rc = mark_write(a, a->mark)))
		rc = mark_journal_trim(a);
out:
	mark_unlock(fd);
	mem_free(own);
	return rc;
}

uint64_t app_mark_id_floor(struct app *a, char letter)
{
	if (letter < 'a' || letter > 'z')
		return 0;
	if (!a->mark) {
		int fd = -1;
		if (mark_lock(a, &fd) || mark_load(a)) {
			mark_unlock(fd);
			return 0;
		}
		mark_unlock(fd);
	}
	return a->mark ? a->mark->id_floor[letter - 'a'] : 0;
}

int app_mark_recovered(struct app *a, struct app_mark *before)
{
	struct crdt_vv_entry *own = NULL;
	size_t n = 0;
	int fd = -1, rc;

	memset(before, 0, sizeof(*before));
	if ((rc = mark_lock(a, &fd)) || (rc = mark_load(a)) || (rc = mark_own(a, &own, &n)))
		goto out;
	struct app_mark *m = a->mark;
	/* what the mark said, for the caller's list of what is lost */
	*before = *m;
	before->feed = NULL;
	before->cap = before->nfeed = 0;
	for (size_t i = 0; i < m->nfeed; i++) {
		struct app_mark_feed *b = mark_feed(before, m->feed[i].scope, true);
		if (!b) {
			rc = -ENOMEM;
			goto out;
		}
		*b = m->feed[i];
	}
	for (size_t i = 0; i < n; i++)
		if (!mark_feed(m, own[i].scope, true)) {
			rc = -ENOMEM;
			goto out;
		}
	for (size_t i = 0; i < m->nfeed; i++) {
		uint64_t held = 0;
		for (size_t k = 0; k < n; k++)
			if (strcmp(own[k].scope, m->feed[i].scope) == 0)
				held = own[k].seq;
		m->feed[i].floor = held; /* goes on after what came back */
		m->feed[i].sent = held;
		if (m->feed[i].reserved < held)
			m->feed[i].reserved = held;
	}
	for (int l = 0; l < 26; l++)
		m->id_floor[l] = m->id_reserved[l]; /* W5 */
	m->lost = false;
	m->damaged = false;
	m->mismatch = false;
	rc = mark_write(a, m);
	m->present = !rc;
out:
	mark_unlock(fd);
	mem_free(own);
	if (rc) {
		mark_reset(before);
		return app_failf(a, rc, APP_W_MARK_IO, 1, a->home);
	}
	return 0;
}

void app_mark_release(struct app_mark *m)
{
	mark_reset(m);
}
