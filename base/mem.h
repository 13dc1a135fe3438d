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

/*
 * Grow an array so that it holds at least need elements of size bytes:
 * p points to the caller's pointer to the array (any object pointer type;
 * MEM_GROW passes it and the element size), *cap is its capacity in
 * elements. When need > *cap the capacity becomes twice *cap (8 when 0),
 * doubled again while short of need; the array is reallocated, its first
 * *cap elements kept and the new ones left as they come (not zeroed).
 * Returns 0 (nothing done when need <= *cap); ERR_TOOBIG when the new
 * capacity in elements or bytes does not fit size_t; -ENOMEM when the
 * allocation fails. On failure *p and *cap are unchanged.
 */
int mem_grow(void **p, size_t *cap, size_t need, size_t size);
/* The capacity mem_grow would give an array of cap elements of size bytes
 * to hold need (cap itself when need <= cap); 0 when it does not fit
 * size_t. For a caller that must account for memory before it allocates
 * (radio/coap.c's guard). */
size_t mem_grow_cap(size_t cap, size_t need, size_t size);
#define MEM_GROW(arr, cap, need) mem_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Tests only: make the nth allocation from now on fail (1 = the next one),
 * 0 to stop failing. Returns how many allocations happened since the last
 * call. */
unsigned long mem_fail_at(unsigned long nth);

#endif
