/* SPDX-License-Identifier: MIT */
/*
 * mark.h - feed.mark beside identity.key: how far this identity may have
 * numbered each own feed and each kind of record id (invariants W1-W6 in
 * mark.c), so a replica that lost commits is refused for writing.
 * Failures are recorded in app->fail (app.h).
 */
#ifndef CUNLIAN_APP_MARK_H
#define CUNLIAN_APP_MARK_H

#include "app/app.h"

/* feed.mark beside identity.key: how far this identity may have numbered
 * each own feed and each kind of record id (invariants W1-W6 in
 * mark.c). */
struct app_mark_feed {
	char scope[CRDT_SCOPE_MAX + 1];
	uint64_t reserved; /* >= every own seq ever durable (W1) */
	uint64_t floor;    /* <= the own seq of a replica that lost nothing (W2) */
	uint64_t sent;     /* own seq when the feed last left the node (sync, bundle) */
};
struct app_mark {
	bool present;  /* read from (or written to) the file */
	bool damaged;  /* the file did not parse: counted as lost */
	bool lost;     /* a lost replica was seen; until recover (W4) */
	uint8_t author[CRDT_AUTHOR_LEN];
	struct app_mark_feed *feed; /* mem_alloc'd */
	size_t nfeed, cap;
	uint64_t id_reserved[26], id_floor[26]; /* per id letter a..z (W5) */
	/* set by the check: the replica does not match, and the first feed
	 * that shows it */
	bool checked;
	bool dirty;    /* raised in memory inside the write transaction (flush) */
	bool mismatch;
	/* the own seqs read by the check at app_open, before any write
	 * transaction: durable (kept across reloads of the file) */
	struct crdt_vv_entry *open_held;
	size_t nopen_held;
	char bad_scope[CRDT_SCOPE_MAX + 1];
	uint64_t bad_held, bad_floor, bad_reserved;
};
/* From app_open(): compare the replica with feed.mark. A replica that
 * does not match is refused to a writing run (ERR_CONFLICT, the reason
 * in a->fail) and is recorded as lost; a reading run gets a->note
 * and goes on (a->recovering: neither). A missing mark is made from the replica. */
int app_mark_check(struct app *a);
/* The same comparison, quietly, for doctor: *mismatch. */
int app_mark_status(struct app *a, bool *mismatch);
/* Before a local commit of w in scope: refuse on a mismatched replica,
 * and raise the mark (on disk) past the seq and ids the commit takes.
 * The reason in a->fail on failure. undo: for app_mark_unreserve(). */
struct app_mark_undo {
	bool first;
	char scope[CRDT_SCOPE_MAX + 1];
};
int app_mark_reserve(struct app *a, const char *scope, const struct crdt_write *w, size_t n,
		      struct app_mark_undo *undo);
/* Before the command's write transaction commits (app_write_end): the
 * mark as raised inside it, on disk. The reason in a->fail (the caller
 * then rolls the transaction back). */
int app_mark_flush(struct app *a);
/* The commit after app_mark_reserve() failed: undo a first reservation. */
void app_mark_unreserve(struct app *a, const struct app_mark_undo *undo);
/* The commit (scope, seq) of w was made: one line in feed.journal (no
 * fsync: it only lets recover name what was lost; J1 in mark.c). */
void app_mark_journal(struct app *a, const char *scope, uint64_t seq,
		       const struct crdt_write *w, size_t n);
/* Commits of scope after seq in feed.journal, as recover lists them: fn
 * gets each seq (ascending, the last line of a seq) and its record ids. */
int app_mark_journal_each(struct app *a, const char *scope, uint64_t after,
			   void (*fn)(void *arg, uint64_t seq, const char *ids), void *arg);
/* recover listed the lost commits: feed.journal starts again. */
void app_mark_journal_clear(struct app *a);
/* Own commits left the node (a converged sync, a bundle export): raise
 * the floors to what the replica holds. 0 or a negative code. */
int app_mark_settle(struct app *a);
/* The id floor for letter: app_id_max() never answers below it. */
uint64_t app_mark_id_floor(struct app *a, char letter);
/* recover, once the feeds are back: floors to what came back, id floors
 * to the reserved ids, lost cleared. *before gets the mark as it was
 * (app_mark_release it). The reason in a->fail on failure. */
int app_mark_recovered(struct app *a, struct app_mark *before);
void app_mark_release(struct app_mark *m);
void app_mark_free(struct app *a);

#endif
