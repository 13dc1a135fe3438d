// SPDX-License-Identifier: MIT
/*
 * villagegen.c - ../shared/workload/villagegen.py in C, for `make
 * bench-scale` (its 4.6 million ops take Python about 90 s).
 *
 * The same trace byte for byte: the same arguments and --seed give the
 * same lines as the Python program (tests/bench/villagegen_check.sh
 * compares them). So every choice is made as the Python program makes it,
 * in the same order: Python's Mersenne Twister (seeded by init_by_array
 * from the seed's 32-bit words), random() from 53 bits, randrange, choice
 * and sample drawing below n by rejection over getrandbits(bit length of
 * n), sample's pool algorithm (the populations here are small), lengths
 * and cuts of text in code points, ops ordered by (t, site, planning
 * order), a site never writing twice in the same ms. A planned op carries
 * the columns it was planned with, already as JSON.
 *
 * villagegen.py's README describes the trace; this file only follows it.
 * bench_scale uses this program only while villagegen.py is the version
 * it was checked against (VILLAGEGEN_SHA256 in bench_scale.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400000ULL
#define HOUR 3600000ULL
#define MIN 60000ULL
#define DAY0 1740672000000ULL

static void die(const char *what)
{
	fprintf(stderr, "villagegen: %s\n", what);
	exit(2);
}

static void *xalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	p = realloc(p, c * size);
	if (!p)
		die("out of memory");
	*cap = c;
	return p;
}

/* ---- Python's random ------------------------------------------------------ */

static uint32_t mt[624];
static int mti = 625;

static void mt_init(uint32_t s)
{
	mt[0] = s;
	for (mti = 1; mti < 624; mti++)
		mt[mti] = 1812433253U * (mt[mti - 1] ^ (mt[mti - 1] >> 30)) + (uint32_t)mti;
}

static void mt_init_by_array(const uint32_t *key, size_t n)
{
	size_t i = 1, j = 0, k = 624 > n ? 624 : n;
	mt_init(19650218U);
	for (; k; k--) {
		mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
		i++;
		j++;
		if (i >= 624) {
			mt[0] = mt[623];
			i = 1;
		}
		if (j >= n)
			j = 0;
	}
	for (k = 623; k; k--) {
		mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
		i++;
		if (i >= 624) {
			mt[0] = mt[623];
			i = 1;
		}
	}
	mt[0] = 0x80000000U;
}

static uint32_t mt_next(void)
{
	static const uint32_t mag[2] = { 0, 0x9908b0dfU };
	uint32_t y;
	if (mti >= 624) {
		int kk;
		for (kk = 0; kk < 624 - 397; kk++) {
			y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
			mt[kk] = mt[kk + 397] ^ (y >> 1) ^ mag[y & 1];
		}
		for (; kk < 623; kk++) {
			y = (mt[kk] & 0x80000000U) | (mt[kk + 1] & 0x7fffffffU);
			mt[kk] = mt[kk + (397 - 624)] ^ (y >> 1) ^ mag[y & 1];
		}
		y = (mt[623] & 0x80000000U) | (mt[0] & 0x7fffffffU);
		mt[623] = mt[396] ^ (y >> 1) ^ mag[y & 1];
		mti = 0;
	}
	y = mt[mti++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680U;
	y ^= (y << 15) & 0xefc60000U;
	y ^= y >> 18;
	return y;
}

static double rnd(void) /* random(): 53 bits */
{
	uint32_t a = mt_next() >> 5, b = mt_next() >> 6;
	return ((double)a * 67108864.0 + (double)b) * (1.0 / 9007199254740992.0);
}

static uint64_t below(uint64_t n) /* _randbelow, n < 2^32 */
{
	int k = 0;
	if (n == 0 || n > 0xffffffffULL)
		die("a draw out of range");
	while ((n >> k) != 0)
		k++;
	uint64_t r = mt_next() >> (32 - k);
	while (r >= n)
		r = mt_next() >> (32 - k);
	return r;
}

static uint64_t randrange(uint64_t lo, uint64_t hi)
{
	return lo + below(hi - lo);
}

static int64_t randrange_step(int64_t lo, int64_t hi, int64_t step)
{
	return lo + step * (int64_t)below((uint64_t)((hi - lo + step - 1) / step));
}

/* ---- text ------------------------------------------------------------------ */

struct words {
	const char **w;
	size_t n;
};

/* A string's code points, each its own string. */
static struct words chars_of(const char *s)
{
	struct words r = { xalloc(strlen(s) * sizeof(char *)), 0 };
	while (*s) {
		size_t k = 1;
		while ((s[k] & 0xc0) == 0x80)
			k++;
		char *c = xalloc(k + 1);
		memcpy(c, s, k);
		r.w[r.n++] = c;
		s += k;
	}
	return r;
}

/* A list kept for the run (the literal lives only in the call). */
static struct words words_keep(const char *const *w, size_t n)
{
	struct words r = { xalloc(n * sizeof(char *)), n };
	memcpy(r.w, w, n * sizeof(char *));
	return r;
}

#define WORDS(...)                                                                          \
	words_keep((const char *const[]){ __VA_ARGS__ },                                      \
		   sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static const char *pick(const struct words *w)
{
	return w->w[below(w->n)];
}

static size_t u8len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += (*s & 0xc0) != 0x80;
	return n;
}

static struct words SURNAMES, GIVEN, DIGITS;
static struct words TEAMS, SKILLS, PLACES, EXTRAS, COMMENTS, ITEMS, ACTIONS[12];

static void words_init(void)
{
	SURNAMES = chars_of("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余");
	GIVEN = chars_of("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华建国红梅玉珍春花文斌亮志燕辉鹏飞");
	DIGITS = chars_of("0123456789");
	TEAMS = WORDS("红马甲服务队", "巾帼志愿服务队", "青年突击队", "银发互助队", "党员先锋队", "爱心助学队",
		      "平安巡逻队", "文明劝导队", "邻里守望队", "医疗服务队");
	SKILLS = WORDS("助老", "环保", "法律咨询", "义诊", "理发", "维修", "宣讲", "支教", "心理疏导", "代购", "助残",
		       "文艺");
	ACTIONS[0] = WORDS("陪独居老人聊天解闷", "帮空巢老人打扫房间卫生", "陪老人去镇卫生院复查");
	ACTIONS[1] = WORDS("组织清理河道边的垃圾", "帮村民做垃圾分类宣传", "清理村口公共厕所周边杂物");
	ACTIONS[2] = WORDS("帮村民看土地承包合同", "解答外出务工工资拖欠问题", "协助老人办理赡养纠纷调解");
	ACTIONS[3] = WORDS("上门给行动不便的老人量血压", "帮慢性病患者测血糖", "为留守老人做健康检查");
	ACTIONS[4] = WORDS("上门给卧床老人理发", "给敬老院老人集中理发", "为残疾人家庭上门理发");
	ACTIONS[5] = WORDS("帮独居老人修理漏水的水管", "上门维修电饭锅和电风扇", "帮低保户检修家里电线");
	ACTIONS[6] = WORDS("到祠堂开展防诈骗宣讲", "给村民讲解医保缴费政策", "宣传秸秆禁烧和防火知识");
	ACTIONS[7] = WORDS("给留守儿童辅导数学作业", "周末给孩子们上书法课", "帮初三学生复习英语");
	ACTIONS[8] = WORDS("陪留守儿童谈心", "上门看望失独老人并做心理疏导", "帮助情绪低落的村民疏导情绪");
	ACTIONS[9] = WORDS("帮独居老人代购米面油", "帮腿脚不便的老人到镇上买药", "代买化肥和蔬菜种子");
	ACTIONS[10] = WORDS("推轮椅送残疾人去镇上办证", "帮残疾人家庭收晒稻谷", "协助盲人老人办理补贴");
	ACTIONS[11] = WORDS("组织广场舞队排练节目", "帮村里排演春节联欢会节目", "教老人们唱红歌");
	PLACES = WORDS("村东头", "三组", "河西片区", "老街", "新村安置点", "学校旁", "后山脚下", "五组");
	EXTRAS = WORDS("下午三点前送到家", "需要两名志愿者", "家住村委会旁边第三户", "老人腿脚不便请上门",
		       "家属在外地打工", "请带好工具", "最好上午来", "联系时请大声说话老人耳背", "周末也可以");
	COMMENTS = WORDS("服务很周到", "非常满意", "来得很及时", "态度很好，谢谢", "下次还找他", "辛苦了", "很耐心",
			 "帮了大忙", "一般", "来晚了一点");
	ITEMS = WORDS("鸡蛋", "洗洁精", "大米", "食用油", "毛巾", "牙膏", "家电维修", "景区门票", "理发券", "体检券");
}

/* random.sample(w, k) for a population of at most 21 (the pool way) */
static void sample(const struct words *w, size_t k, const char **out)
{
	const char *pool[32];
	size_t n = w->n;
	if (n > 21 || k > 5 || k > n)
		die("sample: not the small-population case");
	memcpy(pool, w->w, n * sizeof(*pool));
	for (size_t i = 0; i < k; i++) {
		size_t j = (size_t)below(n - i);
		out[i] = pool[j];
		pool[j] = pool[n - i - 1];
	}
}

/* A growing string. */
struct str {
	char *p;
	size_t n, cap;
};

static void sadd(struct str *s, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(s->p ? s->p + s->n : NULL, s->p ? s->cap - s->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			die("format");
		if (s->p && s->n + (size_t)k < s->cap) {
			s->n += (size_t)k;
			return;
		}
		s->p = xgrow(s->p, &s->cap, s->n + (size_t)k + 1, 1);
	}
}

/* ---- the generator ---------------------------------------------------------- */

struct opts {
	long stations, days, seed, seed_volunteers, new_volunteers, profile_updates, orders, redemptions;
	double cancel_rate, reassign_rate, conflict_rate, adjust_rate, delete_rate;
};

enum { ACTIVE, PAUSED, LEFT, DELETED };
static const char *const STATUS[] = { "active", "paused", "left", "deleted" };

struct vol {
	char pk[32];
	int status, day, st;
};

struct vlist {
	struct vol **v;
	size_t n, cap;
};

struct op { /* a planned op: the line is "{\"t\":t,\"site\":\"site\"," rest */
	uint64_t t, seq;
	int site; /* 0 the hub, i + 1 station i: the order of the site names */
	char *rest;
};

struct plan { /* (station, order pk) the hub writes on a day */
	int st;
	char pk[32];
};

struct plans {
	struct plan *p;
	size_t n, cap;
};

struct step {
	uint64_t t;
	const char *table;
	char pk[32]; /* "" for a points row: its pk when written */
	char *cols;
};

struct steps {
	struct step s[8];
	size_t n;
};

static struct opts A;
static char **names; /* the sites: names[0] "hub", names[i + 1] station i */
static struct vlist *vols, all_vols;
static uint64_t *counter; /* (site, kind) -> last number */
static struct op *heap;
static size_t nheap, capheap;
static uint64_t seq, end_t;
static uint64_t *used; /* (site, t) keys + 1, open addressing */
static size_t nused, capused;
static struct plans *reassign, *conflict; /* by day */

static const char KINDS[] = "vop";

static void pk_new(int site, char kind, char *out, size_t cap)
{
	size_t k = (size_t)site * 3 + (size_t)(strchr(KINDS, kind) - KINDS);
	snprintf(out, cap, "%s-%c%llu", names[site], kind, (unsigned long long)++counter[k]);
}

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* Adds (site, t); false when it was there. */
static int used_add(int site, uint64_t t)
{
	uint64_t key = ((uint64_t)site << 40 | (t - DAY0)) + 1;
	if (2 * (nused + 1) > capused) {
		uint64_t *old = used;
		size_t oc = capused;
		capused = capused ? capused * 2 : 1 << 20;
		used = xalloc(capused * sizeof(*used));
		nused = 0;
		for (size_t i = 0; i < oc; i++)
			if (old[i]) {
				size_t j = hash64(old[i]) & (capused - 1);
				while (used[j])
					j = (j + 1) & (capused - 1);
				used[j] = old[i];
				nused++;
			}
		free(old);
	}
	size_t j = hash64(key) & (capused - 1);
	while (used[j]) {
		if (used[j] == key)
			return 0;
		j = (j + 1) & (capused - 1);
	}
	used[j] = key;
	nused++;
	return 1;
}

static int op_less(const struct op *a, const struct op *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	if (a->site != b->site)
		return a->site < b->site;
	return a->seq < b->seq;
}

static void heap_push(struct op o)
{
	heap = xgrow(heap, &capheap, nheap + 1, sizeof(*heap));
	size_t i = nheap++;
	while (i > 0 && op_less(&o, &heap[(i - 1) / 2])) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = o;
}

static struct op heap_pop(void)
{
	struct op top = heap[0], last = heap[--nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && op_less(&heap[c + 1], &heap[c]))
			c++;
		if (!op_less(&heap[c], &last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap)
		heap[i] = last;
	return top;
}

/* Plan an op at t (moved on by 1 ms while the site already wrote at t);
 * takes cols (JSON, owned). */
static void emit(uint64_t t, int site, const char *table, const char *op, const char *pk, char *cols)
{
	while (!used_add(site, t))
		t++;
	if (t >= end_t) {
		free(cols);
		return;
	}
	struct str r = { 0 };
	sadd(&r, "\"table\":\"%s\",\"op\":\"%s\",\"pk\":\"%s\",\"cols\":{%s}}", table, op, pk, cols);
	free(cols);
	heap_push((struct op){ t, ++seq, site, r.p });
}

static void emit_steps(int site, struct steps *s)
{
	for (size_t i = 0; i < s->n; i++) {
		char pk[32];
		if (s->s[i].pk[0])
			snprintf(pk, sizeof(pk), "%s", s->s[i].pk);
		else
			pk_new(site, 'p', pk, sizeof(pk));
		emit(s->s[i].t, site, s->s[i].table, "upsert", pk, s->s[i].cols);
	}
	s->n = 0;
}

static void step_add(struct steps *s, uint64_t t, const char *table, const char *pk, char *cols)
{
	if (s->n == 8)
		die("too many steps");
	struct step *x = &s->s[s->n++];
	x->t = t;
	x->table = table;
	snprintf(x->pk, sizeof(x->pk), "%s", pk ? pk : "");
	x->cols = cols;
}

static char *fmt(const char *f, ...)
{
	struct str s = { 0 };
	va_list ap;
	va_start(ap, f);
	int k = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	if (k < 0)
		die("format");
	s.p = xalloc((size_t)k + 1);
	va_start(ap, f);
	vsnprintf(s.p, (size_t)k + 1, f, ap);
	va_end(ap);
	return s.p;
}

static uint64_t at(long day, long lo_h, long hi_h)
{
	return DAY0 + (uint64_t)day * DAY + randrange((uint64_t)lo_h * HOUR, (uint64_t)hi_h * HOUR);
}

static void name(char *out, size_t cap)
{
	struct str s = { 0 };
	sadd(&s, "%s", pick(&SURNAMES));
	long n = below(2) ? 2 : 1; /* choice((1, 2)) */
	for (long i = 0; i < n; i++)
		sadd(&s, "%s", pick(&GIVEN));
	snprintf(out, cap, "%s", s.p);
	free(s.p);
}

static void phone(char *out)
{
	static const char *const pre[] = { "13", "15", "18", "17" };
	strcpy(out, pre[below(4)]);
	for (int i = 0; i < 9; i++)
		out[2 + i] = pick(&DIGITS)[0];
	out[11] = '\0';
}

static void skills(char *out, size_t cap)
{
	static const size_t ks[] = { 1, 1, 2, 2, 3 };
	const char *s[3];
	size_t k = ks[below(5)];
	sample(&SKILLS, k, s);
	out[0] = '\0';
	for (size_t i = 0; i < k; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "," : "", s[i]);
}

static void detail(size_t cat, char *out, size_t cap)
{
	char s[1024];
	const char *ex[3];
	snprintf(s, sizeof(s), "%s", pick(&PLACES));
	snprintf(s + strlen(s), sizeof(s) - strlen(s), "%s", pick(&ACTIONS[cat]));
	sample(&EXTRAS, 3, ex);
	for (int i = 0; i < 3; i++) {
		if (u8len(s) >= 15 && rnd() < 0.5)
			break;
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "，%s", ex[i]);
	}
	/* s[:60] in code points */
	size_t n = 0, i = 0;
	for (; s[i]; i++)
		if ((s[i] & 0xc0) != 0x80 && n++ == 60)
			break;
	if (i + 1 > cap)
		die("detail too long");
	memcpy(out, s, i);
	out[i] = '\0';
}

/* An active volunteer of station st created before before_day (-1: any). */
static const struct vol *active_vol(int st, long before_day)
{
	struct vlist *l = &vols[st];
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->v[i]->status == ACTIVE && (before_day < 0 || l->v[i]->day < before_day);
	if (!n)
		return NULL;
	size_t j = (size_t)below(n);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->status == ACTIVE && (before_day < 0 || l->v[i]->day < before_day) && j-- == 0)
			return l->v[i];
	return NULL;
}

static void new_volunteer(int st, uint64_t t, long day)
{
	struct vol *v = xalloc(sizeof(*v));
	char nm[64], ph[16], sk[128];
	const char *site = names[st + 1];
	pk_new(st + 1, 'v', v->pk, sizeof(v->pk));
	v->status = ACTIVE;
	v->day = (int)day;
	v->st = st;
	vols[st].v = xgrow(vols[st].v, &vols[st].cap, vols[st].n + 1, sizeof(v));
	vols[st].v[vols[st].n++] = v;
	all_vols.v = xgrow(all_vols.v, &all_vols.cap, all_vols.n + 1, sizeof(v));
	all_vols.v[all_vols.n++] = v;
	name(nm, sizeof(nm));
	phone(ph);
	const char *team = pick(&TEAMS);
	skills(sk, sizeof(sk));
	emit(t, st + 1, "volunteers", "upsert", v->pk,
	     fmt("\"name\":\"%s\",\"phone\":\"%s\",\"station\":\"%s\",\"team\":\"%s\",\"skills\":\"%s\",\"status\":\"active\"",
		 nm, ph, site, team, sk));
}

/* accepted (unless already) -> done with its credit -> rated, from t */
static void finish(int st, const char *pk, const char *vol, uint64_t t, struct steps *s, int accepted)
{
	if (!accepted) {
		step_add(s, t, "orders", pk, fmt("\"status\":\"accepted\",\"updated_at\":%llu", (unsigned long long)t));
		t += randrange(30 * MIN, 180 * MIN);
	}
	unsigned h2 = (unsigned)randrange(1, 9); /* hours = h2 / 2 */
	step_add(s, t, "orders", pk,
		 fmt("\"status\":\"done\",\"hours\":%u.%u,\"updated_at\":%llu", h2 / 2, h2 % 2 ? 5 : 0,
		     (unsigned long long)t));
	step_add(s, t, "points", NULL,
		 fmt("\"volunteer\":\"%s\",\"delta\":%u,\"reason\":\"service\",\"order\":\"%s\",\"item\":null,\"station\":\"%s\"",
		     vol, h2 * 5, pk, names[st + 1]));
	if (rnd() < 0.9) {
		static const int ratings[] = { 3, 4, 4, 5, 5, 5 };
		t += randrange(30 * MIN, 900 * MIN);
		int rating = ratings[below(6)];
		const char *comment = pick(&COMMENTS);
		step_add(s, t, "orders", pk,
			 fmt("\"status\":\"rated\",\"rating\":%d,\"comment\":\"%s\",\"updated_at\":%llu", rating, comment,
			     (unsigned long long)t));
	}
}

static void plan_add(struct plans *by_day, long day, int st, const char *pk)
{
	struct plans *p = &by_day[day];
	p->p = xgrow(p->p, &p->cap, p->n + 1, sizeof(*p->p));
	p->p[p->n].st = st;
	snprintf(p->p[p->n].pk, sizeof(p->p[p->n].pk), "%s", pk);
	p->n++;
}

static void new_order(int st, long day, int keep_only_unfinished)
{
	const struct vol *vp = active_vol(st, -1);
	char vol[32], pk[32], det[512], ph1[16], ph2[16];
	struct steps s = { .n = 0 };
	const char *site = names[st + 1];
	snprintf(vol, sizeof(vol), "%s", vp ? vp->pk : "");
	pk_new(st + 1, 'o', pk, sizeof(pk));
	uint64_t c = at(day, 7, 20);
	size_t cat = (size_t)below(SKILLS.n);
	detail(cat, det, sizeof(det));
	const char *req = pick(&SURNAMES);
	phone(ph1);
	phone(ph2);
	step_add(&s, c, "orders", pk,
		 fmt("\"station\":\"%s\",\"category\":\"%s\",\"detail\":\"%s\",\"requester\":\"%s*\",\"requester_phone\":\"%.3s****%s\","
		     "\"status\":\"open\",\"created_at\":%llu,\"updated_at\":%llu",
		     site, SKILLS.w[cat], det, req, ph1, ph2 + 7, (unsigned long long)c, (unsigned long long)c));
	double x = rnd();
	uint64_t t = c + randrange(5 * MIN, 60 * MIN);
	enum { NORMAL, CANCELLED, STALLED, CONFLICT } fate = NORMAL;
	if (x < A.cancel_rate || !vp) {
		if (rnd() < 0.4 && vp) {
			step_add(&s, t, "orders", pk,
				 fmt("\"status\":\"dispatched\",\"volunteer\":\"%s\",\"updated_at\":%llu", vol,
				     (unsigned long long)t));
			t += randrange(10 * MIN, 120 * MIN);
		}
		step_add(&s, t, "orders", pk, fmt("\"status\":\"cancelled\",\"updated_at\":%llu", (unsigned long long)t));
		fate = CANCELLED;
	} else {
		step_add(&s, t, "orders", pk,
			 fmt("\"status\":\"dispatched\",\"volunteer\":\"%s\",\"updated_at\":%llu", vol, (unsigned long long)t));
		if (x < A.cancel_rate + A.reassign_rate)
			fate = STALLED;
		else if (x < A.cancel_rate + A.reassign_rate + A.conflict_rate)
			fate = CONFLICT;
	}
	if (keep_only_unfinished && fate == CANCELLED)
		goto drop;
	if (fate == NORMAL)
		finish(st, pk, vol, t + randrange(5 * MIN, 90 * MIN), &s, 0);
	if (keep_only_unfinished && fate == NORMAL) {
		uint64_t mx = 0;
		for (size_t i = 0; i < s.n; i++)
			mx = s.s[i].t > mx ? s.s[i].t : mx;
		if (mx < DAY0 + (uint64_t)(day + 1) * DAY)
			goto drop;
	}
	emit_steps(st + 1, &s);
	if (fate == STALLED)
		plan_add(reassign, day + 1, st, pk);
	else if (fate == CONFLICT)
		plan_add(conflict, day + 1, st, pk);
	return;
drop:
	for (size_t i = 0; i < s.n; i++)
		free(s.s[i].cols);
}

static void station_day(int st, long day)
{
	struct vlist *l = &vols[st];
	const char *site = names[st + 1];
	for (long i = 0; i < A.new_volunteers; i++)
		new_volunteer(st, at(day, 8, 20), day);
	size_t nex = 0;
	for (size_t i = 0; i < l->n; i++)
		nex += l->v[i]->day < day;
	struct vol **ex = xalloc((nex + 1) * sizeof(*ex));
	nex = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i]->day < day)
			ex[nex++] = l->v[i];
	for (long i = 0; i < (nex ? A.profile_updates : 0); i++) {
		struct vol *v = ex[below(nex)];
		static const char *const cols[] = { "phone", "team", "skills", "status" };
		size_t col = (size_t)below(4);
		char val[128];
		if (col == 0) {
			phone(val);
		} else if (col == 1) {
			snprintf(val, sizeof(val), "%s", pick(&TEAMS));
		} else if (col == 2) {
			skills(val, sizeof(val));
		} else {
			int other[2], k = 0;
			for (int s = ACTIVE; s <= LEFT; s++)
				if (s != v->status)
					other[k++] = s;
			v->status = other[below(2)];
			snprintf(val, sizeof(val), "%s", STATUS[v->status]);
		}
		emit(at(day, 8, 20), st + 1, "volunteers", "upsert", v->pk, fmt("\"%s\":\"%s\"", cols[col], val));
	}
	free(ex);
	for (long i = 0; i < A.orders; i++)
		new_order(st, day, 0);
	for (long i = 0; i < A.redemptions; i++) {
		const struct vol *v = active_vol(st, -1);
		if (!v)
			continue;
		char pk[32];
		uint64_t t = at(day, 8, 20);
		pk_new(st + 1, 'p', pk, sizeof(pk));
		int64_t delta = -randrange_step(20, 201, 10);
		const char *item = pick(&ITEMS);
		emit(t, st + 1, "points", "upsert", pk,
		     fmt("\"volunteer\":\"%s\",\"delta\":%lld,\"reason\":\"redeem\",\"order\":null,\"item\":\"%s\",\"station\":\"%s\"",
			 v->pk, (long long)delta, item, site));
	}
	size_t n0 = l->n;
	struct vol **snap = xalloc((n0 + 1) * sizeof(*snap));
	memcpy(snap, l->v, n0 * sizeof(*snap));
	for (size_t i = 0; i < n0; i++) {
		struct vol *v = snap[i];
		if (rnd() < A.delete_rate) {
			size_t j = 0;
			while (j < l->n && l->v[j] != v)
				j++;
			memmove(&l->v[j], &l->v[j + 1], (l->n - j - 1) * sizeof(*l->v));
			l->n--;
			v->status = DELETED;
			emit(at(day, 21, 23), st + 1, "volunteers", "delete", v->pk, fmt("%s", ""));
		}
	}
	free(snap);
}

static void hub_day(long day)
{
	struct plans *p = &reassign[day];
	for (size_t i = 0; i < p->n; i++) {
		int st = p->p[i].st;
		const struct vol *v = active_vol(st, day);
		if (!v)
			continue;
		emit(at(day, 8, 18), 0, "orders", "upsert", p->p[i].pk,
		     fmt("\"volunteer\":\"%s\",\"status\":\"dispatched\"", v->pk));
		struct steps s = { .n = 0 };
		finish(st, p->p[i].pk, v->pk, at(day + 1, 8, 12), &s, 0);
		emit_steps(st + 1, &s);
	}
	p = &conflict[day];
	for (size_t i = 0; i < p->n; i++) {
		int st = p->p[i].st;
		const struct vol *v = active_vol(st, day);
		if (!v)
			continue;
		uint64_t hour = randrange(8, 18);
		uint64_t t_st = DAY0 + (uint64_t)day * DAY + hour * HOUR + randrange(0, HOUR);
		uint64_t t_hub = DAY0 + (uint64_t)day * DAY + hour * HOUR + randrange(0, HOUR);
		emit(t_st, st + 1, "orders", "upsert", p->p[i].pk,
		     fmt("\"status\":\"accepted\",\"updated_at\":%llu", (unsigned long long)t_st));
		emit(t_hub, 0, "orders", "upsert", p->p[i].pk, fmt("\"volunteer\":\"%s\",\"status\":\"dispatched\"", v->pk));
		struct steps s = { .n = 0 };
		finish(st, p->p[i].pk, v->pk, at(day + 1, 8, 12), &s, 1);
		emit_steps(st + 1, &s);
	}
	uint64_t known = 0;
	for (long s = 0; s < A.stations; s++)
		for (size_t i = 0; i < vols[s].n; i++)
			known += vols[s].v[i]->day < day;
	long n = (long)((double)known * A.adjust_rate + rnd());
	for (long k = 0; k < n; k++) {
		const struct vol *rec = NULL;
		for (int tr = 0; tr < 20; tr++) {
			const struct vol *r = all_vols.v[below(all_vols.n)];
			if (r->status != DELETED && r->day < day) {
				rec = r;
				break;
			}
		}
		if (!rec)
			continue;
		char pk[32];
		uint64_t t = at(day, 8, 18);
		pk_new(0, 'p', pk, sizeof(pk));
		int64_t sign = below(2) ? 1 : -1;
		int64_t delta = sign * randrange_step(5, 51, 5);
		emit(t, 0, "points", "upsert", pk,
		     fmt("\"volunteer\":\"%s\",\"delta\":%lld,\"reason\":\"adjust\",\"order\":null,\"item\":null,\"station\":\"%s\"",
			 rec->pk, (long long)delta, names[rec->st + 1]));
	}
}

static void run(FILE *out)
{
	for (long day = 0; day <= A.days; day++) {
		if (day == 0) {
			for (int st = 0; st < A.stations; st++)
				for (long i = 0; i < A.seed_volunteers; i++)
					new_volunteer(st, at(0, 0, 6), 0);
			for (int st = 0; st < A.stations; st++)
				for (long i = 0; i < A.orders; i++)
					new_order(st, 0, 1);
		} else {
			hub_day(day);
			for (int st = 0; st < A.stations; st++)
				station_day(st, day);
		}
		uint64_t horizon = DAY0 + (uint64_t)(day + 1) * DAY;
		while (nheap && heap[0].t < horizon) {
			struct op o = heap_pop();
			fprintf(out, "{\"t\":%llu,\"site\":\"%s\",%s\n", (unsigned long long)o.t, names[o.site], o.rest);
			free(o.rest);
		}
	}
}

/* ---- arguments ----------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: villagegen [--stations S] [--days D] [--seed N] [--seed-volunteers V]\n"
			"  [--new-volunteers N] [--profile-updates N] [--orders N] [--redemptions N]\n"
			"  [--cancel-rate R] [--reassign-rate R] [--conflict-rate R] [--adjust-rate R]\n"
			"  [--delete-rate R]  (villagegen.py's options and defaults; the trace on stdout)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int real;
		size_t off;
	} opt[] = {
		{ "stations", 0, offsetof(struct opts, stations) },
		{ "days", 0, offsetof(struct opts, days) },
		{ "seed", 0, offsetof(struct opts, seed) },
		{ "seed-volunteers", 0, offsetof(struct opts, seed_volunteers) },
		{ "new-volunteers", 0, offsetof(struct opts, new_volunteers) },
		{ "profile-updates", 0, offsetof(struct opts, profile_updates) },
		{ "orders", 0, offsetof(struct opts, orders) },
		{ "redemptions", 0, offsetof(struct opts, redemptions) },
		{ "cancel-rate", 1, offsetof(struct opts, cancel_rate) },
		{ "reassign-rate", 1, offsetof(struct opts, reassign_rate) },
		{ "conflict-rate", 1, offsetof(struct opts, conflict_rate) },
		{ "adjust-rate", 1, offsetof(struct opts, adjust_rate) },
		{ "delete-rate", 1, offsetof(struct opts, delete_rate) },
	};
	A = (struct opts){ 100, 1, 1, 40, 3, 5, 20, 5, 0.08, 0.07, 0.005, 0.01, 0.005 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq;
		size_t k, len;
		if (strncmp(a, "--", 2) != 0)
			usage();
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (k = 0; k < sizeof(opt) / sizeof(opt[0]); k++)
			if (strlen(opt[k].name) == len && strncmp(opt[k].name, a, len) == 0)
				break;
		if (k == sizeof(opt) / sizeof(opt[0]))
			usage();
		v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!v || !*v)
			usage();
		char *e;
		if (opt[k].real) {
			double d = strtod(v, &e);
			if (*e || d < 0 || d > 1)
				usage();
			*(double *)((char *)&A + opt[k].off) = d;
		} else {
			long n = strtol(v, &e, 10);
			if (*e || n < 0 || (n > 1000000 && strcmp(opt[k].name, "seed") != 0))
				usage();
			*(long *)((char *)&A + opt[k].off) = n;
		}
	}
	if (A.stations < 1 || A.stations > 99999 || A.days > 48)
		die("--stations 1..99999 and --days up to 48 here");
	words_init();
	{ /* random.seed(N): init_by_array over N's 32-bit words */
		uint32_t key[2];
		uint64_t s = (uint64_t)A.seed;
		size_t n = 0;
		do {
			key[n++] = (uint32_t)s;
			s >>= 32;
		} while (s);
		mt_init_by_array(key, n);
	}
	int w = 4;
	for (long s = A.stations; s >= 10000; s /= 10)
		w++;
	names = xalloc(((size_t)A.stations + 1) * sizeof(*names));
	names[0] = "hub";
	for (long i = 0; i < A.stations; i++)
		names[i + 1] = fmt("s%0*ld", w, i + 1);
	vols = xalloc((size_t)A.stations * sizeof(*vols));
	counter = xalloc(((size_t)A.stations + 1) * 3 * sizeof(*counter));
	reassign = xalloc(((size_t)A.days + 3) * sizeof(*reassign));
	conflict = xalloc(((size_t)A.days + 3) * sizeof(*conflict));
	end_t = DAY0 + (uint64_t)(A.days + 1) * DAY;
	static char obuf[1 << 20];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	run(stdout);
	if (fflush(stdout) || ferror(stdout))
		die("cannot write the trace");
	return 0;
}
