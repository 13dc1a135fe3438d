// SPDX-License-Identifier: MIT
/*
 * identity.c - the node's Ed25519 identity, kept by sync/ (struct
 * sync_identity: the secret key in sodium_malloc memory, identity.key a
 * mode-0600 file). The public key is the author id of every commit this
 * node makes; the secret key seals them (sync_feed_sealer).
 */
#include <string.h>

#include "base/err.h"
#include "app/app.h"
#include "sync/sync.h"

int app_identity_create(const char *path, uint8_t pk[CRDT_AUTHOR_LEN])
{
	struct sync_identity id;
	int rc;

	memset(pk, 0, CRDT_AUTHOR_LEN);
	if ((rc = sync_init()) || (rc = sync_identity_generate(&id)))
		return rc;
	rc = sync_identity_save(&id, path);
	if (!rc)
		memcpy(pk, id.pk, CRDT_AUTHOR_LEN);
	sync_identity_release(&id);
	return rc;
}

int app_identity_load(const char *path, uint8_t pk[CRDT_AUTHOR_LEN])
{
	struct sync_identity id;
	int rc;

	memset(pk, 0, CRDT_AUTHOR_LEN);
	if ((rc = sync_init()) || (rc = sync_identity_load(&id, path)))
		return rc;
	memcpy(pk, id.pk, CRDT_AUTHOR_LEN);
	sync_identity_release(&id);
	return 0;
}
