// SPDX-License-Identifier: MIT
/* mem.c - allocation through one hook that tests can make fail. */
#include "base/mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static unsigned long mem_count;   /* allocations since mem_fail_at() */
static unsigned long mem_fail_nth; /* 0: never fail */

static int mem_should_fail(void)
{
	mem_count++;
	return mem_fail_nth && mem_count >= mem_fail_nth;
}

unsigned long mem_fail_at(unsigned long nth)
{
	unsigned long n = mem_count;
	mem_count = 0;
	mem_fail_nth = nth;
	return n;
}

void *mem_alloc(size_t n)
{
	return mem_should_fail() ? NULL : malloc(n ? n : 1);
}

void *mem_calloc(size_t n, size_t size)
{
	return mem_should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *mem_realloc(void *p, size_t n)
{
	return mem_should_fail() ? NULL : realloc(p, n ? n : 1);
}

void mem_free(void *p)
{
	free(p);
}

char *mem_strndup(const char *s, size_t n)
{
	char *d = mem_alloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

size_t mem_grow_cap(size_t cap, size_t need, size_t size)
{
	size_t n = cap ? cap : 4;

	if (need <= cap)
		return cap;
	do {
		if (n > SIZE_MAX / 2)
			return 0;
		n *= 2;
	} while (n < need);
	return size && n > SIZE_MAX / size ? 0 : n;
}

int mem_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = mem_grow_cap(*cap, need, size);
	void *old, *q;

	if (need <= *cap)
		return 0;
	if (n == 0)
		return ERR_TOOBIG;
	/* through memcpy: *p is a pointer of the caller's type, not a void * */
	memcpy(&old, p, sizeof(old));
	if (!(q = mem_realloc(old, n * size)))
		return -ENOMEM;
	memcpy(p, &q, sizeof(q));
	*cap = n;
	return 0;
}
