/* SPDX-License-Identifier: MIT */
/*
 * mem.h - the allocation hook.
 *
 * All project code allocates through mem_alloc/mem_realloc/mem_free so that
 * tests can fail the Nth allocation (as SQLite's and curl's torture tests
 * do) and check that nothing crashes, leaks or half-writes. The hook is the
 * one piece of process-wide state, set only by tests before any work starts;
 * it is not thread-safe to change while other threads allocate.
 */
#ifndef CUNLIAN_MEM_H
#define CUNLIAN_MEM_H

#include <stddef.h>

void *mem_alloc(size_t n);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);
char *mem_strndup(const char *s, size_t n);

/* Tests only: make the nth allocation from now on fail (1 = the next one),
 * 0 to stop failing. Returns how many allocations happened since the last
 * call. */
unsigned long mem_fail_at(unsigned long nth);

#endif
