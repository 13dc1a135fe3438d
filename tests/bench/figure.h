/* SPDX-License-Identifier: MIT */
/*
 * figure.h - how a benchmark reports one figure: a line on stdout (name,
 * value, unit, target) and, when BENCH_OUT names a file, "name value"
 * appended there (tests/bench/run.sh gathers them into build/bench.json).
 * Header-only, for the bench programs.
 */
#ifndef CUNLIAN_BENCH_FIGURE_H
#define CUNLIAN_BENCH_FIGURE_H

#include <stdio.h>
#include <stdlib.h>

/* decimals: 1 or 2 places, as the figure needs. */
static void bench_figure(const char *name, double v, int decimals, const char *unit, const char *target)
{
	const char *path = getenv("BENCH_OUT");
	printf("  %-34s %12.*f %-6s %s\n", name, decimals, v, unit, target);
	if (path) {
		FILE *f = fopen(path, "a");
		if (f) {
			fprintf(f, "%s %.*f\n", name, decimals, v);
			fclose(f);
		}
	}
}

#endif
