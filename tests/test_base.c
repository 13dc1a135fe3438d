// SPDX-License-Identifier: MIT
/*
 * test_base.c - base/: the buffer's ceiling, sticky error and
 * reserve-then-advance contract; the cursor that does not move on short
 * input; the one growth helper; UTF-8 checks; error names; files replaced
 * whole or not at all.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <time.h>

#include "base/afile.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/sha256.h"
#include "base/utf8.h"
#include "tests/helpers.h"

/* ---- buf ------------------------------------------------------------- */

/* Invariant 1 (len <= cap <= max) for ceilings below, at and above the
 * first allocation (64 bytes): a buffer never takes more than its max. */
static void test_buf_ceiling(void **state)
{
	(void)state;
	static const size_t maxes[] = { 1, 10, 63, 64, 65, 100, 1000 };
	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		struct buf b;
		size_t max = maxes[i];
		buf_init(&b, max);
		for (size_t k = 0; k < max; k++) {
			buf_put_u8(&b, (uint8_t)k);
			assert_int_equal(b.err, 0);
			assert_true(b.len <= b.cap);
			assert_true(b.cap <= b.max);
		}
		assert_int_equal(b.len, max);
		buf_put_u8(&b, 0xff); /* one past the ceiling */
		assert_int_equal(b.err, ERR_TOOBIG);
		assert_int_equal(b.len, max);
		assert_true(b.cap <= b.max);
		for (size_t k = 0; k < max; k++)
			assert_int_equal(b.data[k], (uint8_t)k);
		buf_release(&b);
	}
	/* one put of the whole ceiling, then nothing more */
	struct buf b;
	uint8_t x[200];
	memset(x, 7, sizeof(x));
	buf_init(&b, 50);
	buf_put(&b, x, 51);
	assert_int_equal(b.err, ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	buf_reset(&b);
	buf_put(&b, x, 50);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 50);
	assert_true(b.cap <= 50);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.max, 50); /* release keeps the ceiling */
}

/* Invariant 2: after the first failure every write is a no-op and the
 * first error stays, whatever comes later; reset clears it. */
static void test_buf_sticky(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	buf_put_u32be(&b, 0x01020304);
	buf_put(&b, "12345", 5); /* 9 > 8 */
	assert_int_equal(b.err, ERR_TOOBIG);
	assert_int_equal(b.len, 4);
	buf_put_u8(&b, 9); /* would fit, but the error is sticky */
	buf_put_varint(&b, 1);
	assert_int_equal(b.len, 4);
	assert_null(buf_reserve(&b, 0));
	assert_int_equal(b.err, ERR_TOOBIG);

	/* out of memory is sticky too, and the first error is kept */
	buf_release(&b);
	buf_init(&b, 0);
	mem_fail_at(1);
	buf_put_u8(&b, 1);
	mem_fail_at(0);
	assert_int_equal(b.err, -ENOMEM);
	assert_int_equal(b.len, 0);
	buf_put_u8(&b, 1);
	assert_int_equal(b.err, -ENOMEM);
	assert_int_equal(b.len, 0);
	buf_reset(&b);
	assert_int_equal(b.err, 0);
	buf_put_u16be(&b, 0xabcd);
	assert_int_equal(b.len, 2);
	assert_int_equal(b.data[0], 0xab);
	buf_release(&b);
}

/* Invariant 4: reserve gives room for n bytes at data + len and leaves len
 * alone; the caller adds what it wrote. */
static void test_buf_reserve(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	buf_put(&b, "ab", 2);
	uint8_t *p = buf_reserve(&b, 40);
	assert_non_null(p);
	assert_ptr_equal(p, b.data + 2);
	assert_int_equal(b.len, 2);
	assert_true(b.len + 40 <= b.cap);
	assert_true(b.cap <= b.max);
	memcpy(p, "cdef", 4); /* wrote 4 of the 40 */
	b.len += 4;
	buf_put(&b, "g", 1);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "abcdefg", 7);
	/* reserving exactly what is left is allowed; one more is not */
	assert_non_null(buf_reserve(&b, 93));
	assert_int_equal(b.cap, 100);
	assert_null(buf_reserve(&b, 94));
	assert_int_equal(b.err, ERR_TOOBIG);
	assert_int_equal(b.len, 7);
	buf_release(&b);
	/* reserve 0 on an empty buffer: a pointer, not NULL */
	buf_init(&b, 0);
	assert_non_null(buf_reserve(&b, 0));
	assert_int_equal(b.err, 0);
	buf_release(&b);
}

/* Varints: minimal encodings, and the sizes varint_len promises. */
static void test_buf_varint(void **state)
{
	(void)state;
	static const uint64_t v[] = { 0, 1, 127, 128, 300, 16383, 16384, UINT64_MAX };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct buf b;
		struct cur c;
		uint64_t got;
		int64_t sgot;
		buf_init(&b, 0);
		buf_put_varint(&b, v[i]);
		assert_int_equal(b.len, varint_len(v[i]));
		buf_put_svarint(&b, -(int64_t)(v[i] >> 1));
		cur_init(&c, b.data, b.len);
		assert_int_equal(cur_get_varint(&c, &got), 0);
		assert_true(got == v[i]);
		assert_int_equal(cur_get_svarint(&c, &sgot), 0);
		assert_true(sgot == -(int64_t)(v[i] >> 1));
		assert_true(cur_done(&c));
		buf_release(&b);
	}
}

/* ---- cur ------------------------------------------------------------- */

/* Invariant 1 of struct cur: a getter on short input returns an error and
 * leaves pos where it was, so the caller can report where it stopped. */
static void test_cur_short(void **state)
{
	(void)state;
	static const uint8_t p[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	const uint8_t *out;
	struct cur c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	size_t len;

	cur_init(&c, p, sizeof(p));
	assert_int_equal(cur_get_u8(&c, &u8), 0);
	assert_int_equal(c.pos, 1);
	assert_int_equal(cur_get_u64be(&c, &u64), ERR_CORRUPT); /* 6 left, 8 asked */
	assert_int_equal(c.pos, 1);
	assert_int_equal(cur_get_u32be(&c, &u32), 0);
	assert_int_equal(u32, 0x02030405);
	assert_int_equal(cur_get_u32be(&c, &u32), ERR_CORRUPT);
	assert_int_equal(c.pos, 5);
	assert_int_equal(cur_get_bytes(&c, 3, &out), ERR_CORRUPT);
	assert_int_equal(c.pos, 5);
	assert_int_equal(cur_get_u16be(&c, &u16), 0);
	assert_int_equal(u16, 0x0607);
	assert_true(cur_done(&c));
	assert_int_equal(cur_get_u8(&c, &u8), ERR_CORRUPT);
	assert_int_equal(cur_get_u16be(&c, &u16), ERR_CORRUPT);
	assert_int_equal(c.pos, 7);

	/* a varint cut short, one not minimal, one over 64 bits */
	static const uint8_t v1[] = { 0x80, 0x80 }, v2[] = { 0x81, 0x00 },
			     v3[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	cur_init(&c, v1, sizeof(v1));
	assert_int_equal(cur_get_varint(&c, &u64), ERR_CORRUPT);
	assert_int_equal(c.pos, 0);
	cur_init(&c, v2, sizeof(v2));
	assert_int_equal(cur_get_varint(&c, &u64), ERR_CORRUPT);
	assert_int_equal(c.pos, 0);
	cur_init(&c, v3, sizeof(v3));
	assert_int_equal(cur_get_varint(&c, &u64), ERR_CORRUPT);
	assert_int_equal(c.pos, 0);

	/* a length past the end, a length over max: neither moves */
	static const uint8_t lb[] = { 0x05, 'a', 'b' };
	cur_init(&c, lb, sizeof(lb));
	assert_int_equal(cur_get_lenbytes(&c, 100, &out, &len), ERR_CORRUPT);
	assert_int_equal(c.pos, 0);
	assert_int_equal(cur_get_lenbytes(&c, 4, &out, &len), ERR_TOOBIG);
	assert_int_equal(c.pos, 0);
	static const uint8_t lb2[] = { 0x02, 'a', 'b' };
	cur_init(&c, lb2, sizeof(lb2));
	assert_int_equal(cur_get_lenbytes(&c, 2, &out, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "ab", 2);
	assert_true(cur_done(&c));

	/* no memory at all */
	cur_init(&c, NULL, 5);
	assert_int_equal(cur_left(&c), 0);
	assert_int_equal(cur_get_u8(&c, &u8), ERR_CORRUPT);
}

/* ---- mem_grow -------------------------------------------------------- */

static void test_mem_grow(void **state)
{
	(void)state;
	uint32_t *a = NULL;
	size_t cap = 0;

	assert_int_equal(MEM_GROW(a, cap, 0), 0); /* nothing needed: nothing done */
	assert_null(a);
	assert_int_equal(cap, 0);
	assert_int_equal(MEM_GROW(a, cap, 1), 0);
	assert_non_null(a);
	assert_true(cap >= 1);
	for (uint32_t i = 0; i < 1000; i++) {
		assert_int_equal(MEM_GROW(a, cap, i + 1), 0);
		assert_true(cap >= i + 1);
		a[i] = i;
	}
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(a[i], i); /* kept across every growth */
	size_t before = cap;
	assert_int_equal(MEM_GROW(a, cap, cap), 0);
	assert_int_equal(cap, before);
	/* a jump past twice the capacity takes at least the need */
	assert_int_equal(MEM_GROW(a, cap, 10 * before + 3), 0);
	assert_true(cap >= 10 * before + 3);

	/* n * size past size_t: refused, array and capacity unchanged */
	uint32_t *keep = a;
	before = cap;
	assert_int_equal(MEM_GROW(a, cap, SIZE_MAX / sizeof(*a) + 1), ERR_TOOBIG);
	assert_ptr_equal(a, keep);
	assert_int_equal(cap, before);
	assert_int_equal(MEM_GROW(a, cap, SIZE_MAX), ERR_TOOBIG);
	assert_int_equal(mem_grow((void **)&a, &cap, SIZE_MAX / 2 + 2, 1), ERR_TOOBIG);
	assert_ptr_equal(a, keep);
	assert_int_equal(cap, before);
	assert_int_equal(mem_grow_cap(before, SIZE_MAX / 4, 8), 0);
	assert_int_equal(mem_grow_cap(before, before, 8), before);
	assert_int_equal(mem_grow_cap(1024, 1025, 1), 2048);

	/* out of memory: -ENOMEM, array and capacity unchanged */
	mem_fail_at(1);
	int rc = MEM_GROW(a, cap, cap + 1);
	mem_fail_at(0);
	assert_int_equal(rc, -ENOMEM);
	assert_ptr_equal(a, keep);
	assert_int_equal(cap, before);
	assert_int_equal(a[999], 999);
	mem_free(a);
}

/* ---- utf8 ------------------------------------------------------------ */

static void test_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} cases[] = {
		{ "", 0, true },
		{ "abc", 3, true },
		{ "王秀英", 9, true },
		{ "\xf0\x9f\x98\x80", 4, true },       /* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", 4, true },       /* U+10FFFF */
		{ "a\0b", 3, false },                  /* NUL */
		{ "\xc0\x80", 2, false },              /* overlong NUL */
		{ "\xe0\x80\xaf", 3, false },          /* overlong '/' */
		{ "\xed\xa0\x80", 3, false },          /* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", 4, false },      /* past U+10FFFF */
		{ "\xe7\x8e", 2, false },              /* cut short */
		{ "\x80", 1, false },                  /* a lone continuation */
		{ "\xff", 1, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (utf8_valid(cases[i].s, cases[i].len) != cases[i].ok)
			fail_msg("utf8_valid case %zu: want %d", i, cases[i].ok);
	}
	assert_int_equal(utf8_width("ab"), 2);
	assert_int_equal(utf8_width("王伟"), 4);
	assert_int_equal(utf8_width("２号"), 4); /* full-width digit */
	assert_int_equal(utf8_width("a王"), 3);
	assert_int_equal(utf8_width(""), 0);
}

/* ---- err_str --------------------------------------------------------- */

static void test_err_str(void **state)
{
	(void)state;
	assert_string_equal(err_str(0), "ok");
	for (int rc = ERR_BASE; rc >= ERR_LAST; rc--) {
		const char *s = err_str(rc);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
		assert_string_not_equal(s, "unknown error");
		for (int other = ERR_BASE; other > rc; other--)
			assert_string_not_equal(s, err_str(other)); /* each code its own name */
	}
	assert_string_equal(err_str(-ENOMEM), strerror(ENOMEM));
	assert_string_equal(err_str(ERR_LAST - 1), "unknown error");
	assert_string_equal(err_str(12345), "unknown error");
}

/* ---- afile ----------------------------------------------------------- */

static size_t slurp(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return (size_t)-1;
	size_t n = fread(out, 1, cap, f);
	fclose(f);
	return n;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void test_afile(void **state)
{
	(void)state;
	const char *dir = t_tmpdir();
	char path[256], part[270], got[64];
	struct afile a;
	snprintf(path, sizeof(path), "%s/node.conf", dir);
	snprintf(part, sizeof(part), "%s.part", path);

	/* whole file, mode as asked, no .part left */
	assert_int_equal(afile_put(path, "old\n", 4, 0600), 0);
	assert_int_equal(slurp(path, got, sizeof(got)), 4);
	assert_memory_equal(got, "old\n", 4);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(exists(part));

	/* A1: until commit the old file stays; abort leaves it and no .part */
	assert_int_equal(afile_open(&a, path, 0644), 0);
	assert_int_equal(afile_write(&a, "new contents\n", 13), 0);
	assert_true(exists(part));
	assert_int_equal(slurp(path, got, sizeof(got)), 4);
	assert_memory_equal(got, "old\n", 4);
	afile_abort(&a);
	assert_false(exists(part));
	assert_int_equal(slurp(path, got, sizeof(got)), 4);

	/* commit replaces it whole; bytes counts what was written */
	assert_int_equal(afile_open(&a, path, 0644), 0);
	afile_write(&a, "new ", 4);
	afile_write(&a, "contents\n", 9);
	assert_int_equal(a.bytes, 13);
	assert_int_equal(afile_commit(&a), 0);
	assert_int_equal(slurp(path, got, sizeof(got)), 13);
	assert_memory_equal(got, "new contents\n", 13);
	assert_false(exists(part));
	afile_abort(&a); /* safe after commit */
	assert_int_equal(slurp(path, got, sizeof(got)), 13);

	/* a folder that is not there: an error, nothing created */
	char nodir[300];
	snprintf(nodir, sizeof(nodir), "%s/none/x.conf", dir);
	assert_int_equal(afile_put(nodir, "x", 1, 0600), -ENOENT);
	assert_false(exists(nodir));

	/* a path over AFILE_PATH_MAX */
	char *longp = malloc(AFILE_PATH_MAX + 16);
	memset(longp, 'a', AFILE_PATH_MAX + 15);
	longp[AFILE_PATH_MAX + 15] = '\0';
	assert_int_equal(afile_open(&a, longp, 0600), -ENAMETOOLONG);
	free(longp);

	/* stdio under the caller's own temporary name */
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s/node.conf.tmp-1", dir);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs("interval = 5\n", f);
	assert_int_equal(afile_publish(f, tmp, path, true), 0);
	assert_false(exists(tmp));
	assert_int_equal(slurp(path, got, sizeof(got)), 13);
	assert_memory_equal(got, "interval = 5\n", 13);
	t_rmdir(dir);
}

/* SHA-256 (the replica digest's hash): FIPS 180-4's examples, then the
 * portable code and the CPU's (SHA-NI, where there is one) on the same
 * random messages cut into random pieces: the same bytes every way. */
static void sha256_hex(const uint8_t *d, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void sha256_of(const void *p, size_t n, char out[65])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN];
	sha256_init(&h);
	sha256_update(&h, p, n);
	sha256_final(&h, d);
	sha256_hex(d, out);
}

static void test_sha256(void **state)
{
	(void)state;
	char hex[65];
	for (int portable = 0; portable <= 1; portable++) {
		sha256_portable(portable);
		sha256_of("", 0, hex);
		assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		sha256_of("abc", 3, hex);
		assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
		sha256_of(two, sizeof(two) - 1, hex);
		assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
		static uint8_t million[1000000];
		memset(million, 'a', sizeof(million));
		sha256_of(million, sizeof(million), hex);
		assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
	unsigned seed = (unsigned)time(NULL);
	printf("test_sha256: seed %u\n", seed);
	srand(seed);
	static uint8_t msg[4096];
	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)rand() % (round < 150 ? 200 : sizeof(msg));
		for (size_t i = 0; i < n; i++)
			msg[i] = (uint8_t)rand();
		char want[65], got[65];
		sha256_portable(true);
		sha256_of(msg, n, want);
		for (int portable = 0; portable <= 1; portable++) {
			sha256_portable(portable);
			struct sha256 h;
			uint8_t d[SHA256_LEN];
			sha256_init(&h);
			for (size_t at = 0; at < n;) {
				size_t take = 1 + (size_t)rand() % 150;
				take = take < n - at ? take : n - at;
				sha256_update(&h, msg + at, take);
				at += take;
			}
			sha256_final(&h, d);
			sha256_hex(d, got);
			if (strcmp(got, want) != 0)
				fail_msg("seed %u round %d: %zu bytes in pieces, %s: %s, whole %s", seed, round, n,
					 portable ? "portable" : "the CPU's", got, want);
		}
	}
	sha256_portable(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_ceiling),
		cmocka_unit_test(test_buf_sticky),
		cmocka_unit_test(test_buf_reserve),
		cmocka_unit_test(test_buf_varint),
		cmocka_unit_test(test_cur_short),
		cmocka_unit_test(test_mem_grow),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_err_str),
		cmocka_unit_test(test_afile),
		cmocka_unit_test(test_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
