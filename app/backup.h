/* SPDX-License-Identifier: MIT */
/*
 * backup.h - the whole node (replica, node.conf, identity.key) in one file
 * encrypted with a passphrase, and its restoration onto a fresh home on a
 * new board. The byte layout and the invariants are at the top of
 * backup.c (and in docs/protocol.md "Backup files").
 *
 * Passphrase. The operations ask for it through app_pass_fn once their
 * checks of the home and the file passed, so a wrong file or a busy home
 * never asks. Where it comes from (a file, the environment, a prompt) is
 * the front end's business; the operation owns the buffer (sodium memory)
 * and wipes it.
 *
 * Errors. 0, or a negative code (base/err.h) with the reason in a->fail
 * (the APP_W_BK_* and APP_W_RS_* block of why.h); a failing app_pass_fn
 * returns its own code and records (or says) its own reason. Nothing is
 * left behind by a failure: no partial backup file (FILE.part is removed,
 * an existing FILE is untouched), no restored file (and no home, when
 * restore made it).
 *
 * Not thread-safe (one app per thread); secrets are wiped before return.
 */
#ifndef CUNLIAN_APP_BACKUP_H
#define CUNLIAN_APP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

#define APP_BK_PASS_MIN 8    /* bytes of a new passphrase, at least */
#define APP_BK_PASS_MAX 1024 /* bytes of the buffer, the NUL included */

/* Fill pass (cap bytes) with the passphrase and its NUL, its length in
 * *len. confirm: a new passphrase (backup), which a person types twice.
 * 0, or a negative code (its reason recorded or already said). */
typedef int (*app_pass_fn)(struct app *a, void *arg, bool confirm, char *pass, size_t cap,
			   size_t *len);

struct app_backup_info {
	char author[2 * CRDT_AUTHOR_LEN + 1]; /* (restore) the new key; (backup) the node's */
	char old_author[2 * CRDT_AUTHOR_LEN + 1]; /* (restore) the key of the backed-up node */
	char digest[65];      /* of the replica, as the manifest says */
	uint64_t bytes;       /* (backup) size of the file written */
	uint64_t created_ms;  /* when the backup was made */
	uint64_t need;        /* (backup, -ENOSPC) bytes the file needs */
	int64_t avail;        /* (backup, -ENOSPC) bytes free there, -1 unknown */
};

/*
 * Write the backup of the node in a->home to file (FILE.part, fsynced,
 * renamed, the folder fsynced). Reads node.conf and identity.key into
 * a->conf and a->author; the replica is copied as one read transaction
 * (VACUUM INTO), so the backup is consistent while `serve` writes. The
 * copy is made in the home, or, when the home is read-only or full, in a
 * private folder in /dev/shm (memory), never on the target.
 * ERR_NOTFOUND (no node), ERR_RULE (root over another user's home),
 * -ENOSPC (info->need, info->avail say how much room), -errno.
 */
int app_backup(struct app *a, const char *file, app_pass_fn pass, void *arg,
	       struct app_backup_info *info);

/*
 * Restore file into a->home, which must be absent or empty, as a new
 * node: the backed-up station and replica, a new identity (the old key is
 * never installed). old_board_dead: the person says the old board will
 * never run again (else ERR_RULE, nothing read). a->conf gets the restored
 * node.conf, a->author the new key. ERR_CORRUPT (not a backup, damaged,
 * a replica that does not match its digest or holds code), ERR_BADSIG
 * (wrong passphrase), ERR_EXISTS (home not empty), -errno.
 */
int app_restore(struct app *a, const char *file, bool old_board_dead, app_pass_fn pass, void *arg,
		struct app_backup_info *info);

/* A size for people: "1.3 MB (1348572 B)", "12.0 KB (12288 B)", "900 B". */
void app_bytes_fmt(uint64_t n, char *out, size_t len);

#endif
