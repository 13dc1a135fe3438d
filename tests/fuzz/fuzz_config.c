// SPDX-License-Identifier: MIT
/* fuzz_config.c - app_conf_read (app/config.c) on any file contents:
 * it takes a path, so the input is written to a temporary file. A file
 * it accepts is written back and read again to the same values. */
#include <stdio.h>
#include <unistd.h>

#include "node/node.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], path2[64];
	struct app_conf c, c2;
	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/cunlian-fuzz-conf-%d", (int)getpid());
		snprintf(path2, sizeof(path2), "/tmp/cunlian-fuzz-conf2-%d", (int)getpid());
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	memset(&c, 0, sizeof(c));
	int rc = app_conf_read(path, &c);
	fuzz_note(rc == 0);
	if (rc && rc != ERR_CORRUPT && rc != ERR_USAGE)
		fuzz_fail("app_conf_read refused a file it could read other than as app.h says");
	if ((rc == ERR_USAGE) != (c.bad_line > 0))
		fuzz_fail("a refused line is named exactly when the file is refused for it");
	if (rc == 0) {
		unlink(path2);
		if (app_conf_write(path2, &c) == 0) {
			memset(&c2, 0, sizeof(c2));
			if (app_conf_read(path2, &c2) != 0 || strcmp(c.station, c2.station) ||
			    strcmp(c.name, c2.name) || strcmp(c.role, c2.role) || strcmp(c.level, c2.level) ||
			    strcmp(c.parent, c2.parent) || strcmp(c.lang[0] ? c.lang : "zh", c2.lang))
				fuzz_fail("what it wrote does not read back the same");
		}
		unlink(path2);
	}
	unlink(path);
	return 0;
}
