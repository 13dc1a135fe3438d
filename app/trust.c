// SPDX-License-Identifier: MIT
/*
 * trust.c - the trust settings every node's sync context gets from its
 * home: county.pub (trust is enforced once it is there), node.cert (this
 * node's statement), enroll.pending (asked to be enrolled: the station's
 * data never leaves in plaintext), and refused.log, where every refused
 * run of commits is written (time, author, scope, seq, count, code,
 * reason) and which `doctor` counts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "app/app.h"

#define APP_RELEASED "RELEASED"

static void app_refused_record(void *arg, const uint8_t author[SYNC_PK_LEN], const char *scope,
				uint64_t seq, uint64_t n, int rc, const char *why)
{
	struct app *a = arg;
	char path[APP_PATH_MAX + 32], hex[2 * SYNC_PK_LEN + 1];
	FILE *f;
	if (rc == ERR_GAP)
		return; /* not refused: it applies once the earlier commits come */
	app_path(a, path, sizeof(path), "refused.log");
	if (!(f = fopen(path, "a")))
		return; /* the report still counts it */
	app_hex(author, SYNC_PK_LEN, hex);
	fprintf(f, "%llu\t%s\t%s\t%llu\t%llu\t%s\t%s\n", (unsigned long long)a->now_ms, hex,
		*scope ? scope : "-", (unsigned long long)seq, (unsigned long long)n,
		rc ? err_str(rc) : APP_RELEASED, why);
	fclose(f);
}

int app_trust_open(struct app *a, struct sync_options *opt)
{
	char path[APP_PATH_MAX + 32], line[2 * SYNC_PK_LEN + 8];
	uint8_t buf[SYNC_STMT_MAX + 1];
	size_t len;
	int rc;

	app_trust_release(a); /* opened again for another sync context */
	app_path(a, path, sizeof(path), "county.pub");
	rc = app_file_read(path, (uint8_t *)line, sizeof(line) - 1, &len);
	if (rc == ERR_NOTFOUND) {
		/* not enrolled yet: nothing enforced (docs/security.md); but a
		 * node that asked to be never sends its station's data in
		 * plaintext (trust.c G6) */
		app_path(a, path, sizeof(path), APP_PENDING);
		opt->withhold_plain = access(path, F_OK) == 0;
		return 0;
	}
	if (rc)
		return rc;
	line[len] = '\0';
	if ((rc = app_hex_parse(line, a->county_root, SYNC_PK_LEN)))
		return rc;
	a->have_root = true;
	opt->county_root = a->county_root;
	app_path(a, path, sizeof(path), "node.cert");
	rc = app_file_read(path, buf, sizeof(buf), &len);
	if (rc == 0 && len > 0) {
		a->cert = mem_alloc(len);
		if (!a->cert)
			return -ENOMEM;
		memcpy(a->cert, buf, len);
		a->cert_len = len;
		opt->self_cert = a->cert;
		opt->self_cert_len = len;
	} else if (rc != ERR_NOTFOUND) {
		return rc;
	}
	opt->refused = app_refused_record;
	opt->refused_arg = a;
	return 0;
}

void app_trust_release(struct app *a)
{
	mem_free(a->cert);
	a->cert = NULL;
	a->cert_len = 0;
}

int app_refused_count(const struct app *a, uint64_t *n)
{
	char path[APP_PATH_MAX + 32], line[1024];
	FILE *f;
	*n = 0;
	app_path(a, path, sizeof(path), "refused.log");
	if (!(f = fopen(path, "r")))
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long t, seq, k;
		char hex[80], scope[40], code[40];
		if (sscanf(line, "%llu %79s %39s %llu %llu %39s", &t, hex, scope, &seq, &k, code) != 6)
			continue;
		if (strcmp(code, APP_RELEASED) != 0)
			*n += k;
		else /* a held-back commit merged at last */
			*n -= k <= *n ? k : *n;
	}
	fclose(f);
	return 0;
}
