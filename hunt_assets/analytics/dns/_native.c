/*
 * _native.c - byte-level kernels of hunt_assets.analytics.dns, one pass per name.
 *
 * Why: the NumPy implementation (names.parse, features.compute, ngram.label_logprob,
 * features.entropy_of_rows) makes dozens of full passes over the flat byte buffer of a batch,
 * each allocating a temporary as large as the batch. Here every name is walked once while its
 * bytes are in cache. The NumPy code stays the reference and the fallback: every output of this
 * module is meant to be identical to it, floats bit for bit. Where NumPy's float results depend on
 * its summation order (np.add.reduceat, ndarray.sum), numpy_pairwise_sum() below replays that
 * order exactly. One exception: decide()'s three scores go through exp(), and NumPy's vectorised
 * float64 exp (AVX-512 builds) may differ from the C library's in the last bit; the scorer rounds
 * them to 4 decimals, where the two agree (tests compare to 4 ulp, and exactly after rounding).
 *
 * Interface: plain CPython C API and the buffer protocol; no NumPy C API. The caller (Python)
 * allocates every output array with np.empty and passes it as a writable buffer, so this file
 * never owns memory that outlives a call. Every function validates sizes, dtypes (by buffer
 * format and item size) and every offset it dereferences, and raises ValueError instead of
 * reading out of bounds. The GIL is released while computing so the scorer's worker threads
 * run in parallel.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

#if !PY_LITTLE_ENDIAN
#error "_native.c assumes a little-endian host (buffer formats are checked as native)"
#endif

/* ------------------------------------------------------------------------------------------ */
/* buffer handling                                                                             */

enum kind { K_U8, K_BOOL, K_I32, K_I64, K_U64, K_F32, K_F64, K_I16, K_I8, K_U32 };

static const char *kind_name[] = {"uint8", "bool", "int32", "int64", "uint64", "float32", "float64", "int16", "int8",
                                   "uint32"};

#define MAX_BUFS 48

typedef struct {
    Py_buffer views[MAX_BUFS];
    int n;
} BufSet;

static void bufs_release(BufSet *s)
{
    for (int i = 0; i < s->n; i++)
        PyBuffer_Release(&s->views[i]);
    s->n = 0;
}

/* Does a buffer format string describe one item of `kind`? Formats come from NumPy ("l", "<q",
 * "?" ...) or from bytes-like objects ("B"). Only native/little-endian byte order is accepted. */
static int format_ok(const char *fmt, Py_ssize_t itemsize, enum kind kind)
{
    if (fmt == NULL)
        fmt = "B";
    if (*fmt == '@' || *fmt == '=' || *fmt == '<')
        fmt++;
    if (fmt[0] == '\0' || fmt[1] != '\0')
        return 0;
    char c = fmt[0];
    switch (kind) {
    case K_U8:
        return itemsize == 1 && c == 'B';
    case K_BOOL:
        return itemsize == 1 && (c == '?' || c == 'B');
    case K_I32:
        return itemsize == 4 && (c == 'i' || c == 'l');
    case K_I64:
        return itemsize == 8 && (c == 'l' || c == 'q');
    case K_U64:
        return itemsize == 8 && (c == 'L' || c == 'Q');
    case K_F32:
        return itemsize == 4 && c == 'f';
    case K_F64:
        return itemsize == 8 && c == 'd';
    case K_I16:
        return itemsize == 2 && c == 'h';
    case K_I8:
        return itemsize == 1 && c == 'b';
    case K_U32:
        return itemsize == 4 && (c == 'I' || c == 'L');
    }
    return 0;
}

/* Acquire `obj` as a C-contiguous array of `kind`. `count` >= 0 demands exactly that many items;
 * the item count is stored in *n_out (if given). Returns 0, or -1 with ValueError/TypeError set. */
static int acquire(BufSet *s, PyObject *obj, enum kind kind, int writable, Py_ssize_t count, void **ptr,
                   Py_ssize_t *n_out, const char *name)
{
    if (s->n >= MAX_BUFS) {
        PyErr_SetString(PyExc_RuntimeError, "_native: too many buffers");
        return -1;
    }
    Py_buffer *v = &s->views[s->n];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous%s %s buffer", name,
                     writable ? " writable" : "", kind_name[kind]);
        return -1;
    }
    s->n++;
    if (!format_ok(v->format, v->itemsize, kind) || v->len % v->itemsize != 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected %s items, got format '%s'", name, kind_name[kind],
                     v->format ? v->format : "B");
        return -1;
    }
    Py_ssize_t n = v->len / v->itemsize;
    if (count >= 0 && n != count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items, got %zd", name, count, n);
        return -1;
    }
    *ptr = v->buf;
    if (n_out)
        *n_out = n;
    return 0;
}

#define ACQ(obj, kind, wr, count, ptr, nout, name)                                                \
    do {                                                                                          \
        void *p_ = NULL;                                                                          \
        if (acquire(&bs, (obj), (kind), (wr), (count), &p_, (nout), (name)) < 0)                 \
            goto fail;                                                                            \
        (ptr) = p_;                                                                               \
    } while (0)

/* errors detected while the GIL is released; raised as ValueError afterwards */
static const char *ERR_ROWS = "offsets must start at 0, increase strictly and end at len(data)";
static const char *ERR_OFFS = "offsets must be non-decreasing and within the data buffer";
static const char *ERR_LABELS = "label arrays are inconsistent with the row offsets";
static const char *ERR_CAPACITY = "label output arrays must have count_labels() items";
static const char *ERR_NOMEM = "out of memory";
static const char *ERR_TABLE = "an entropy segment is longer than the x*log2(x) or log2 table";

/* ------------------------------------------------------------------------------------------ */
/* NumPy's float64 pairwise summation (numpy/_core/src/umath/loops_utils.h.src, PW_BLOCKSIZE 128).
 * np.add.reduce / reduceat / ndarray.sum over a contiguous float64 axis call it as
 * `out += pairwise_sum(rest)`, so replaying it gives bit-identical sums. Keep the exact shape:
 * eight accumulators, their combination order, the remainder loop and the split point. */

static double numpy_pairwise_sum(const double *a, Py_ssize_t n)
{
    if (n < 8) {
        double res = -0.0; /* NumPy starts at -0.0 so that a sum of -0.0 stays -0.0 */
        for (Py_ssize_t i = 0; i < n; i++)
            res += a[i];
        return res;
    }
    else if (n <= 128) {
        double r[8], res;
        Py_ssize_t i;
        for (int j = 0; j < 8; j++)
            r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8) {
            r[0] += a[i + 0];
            r[1] += a[i + 1];
            r[2] += a[i + 2];
            r[3] += a[i + 3];
            r[4] += a[i + 4];
            r[5] += a[i + 5];
            r[6] += a[i + 6];
            r[7] += a[i + 7];
        }
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            res += a[i];
        return res;
    }
    else {
        Py_ssize_t n2 = n / 2;
        n2 -= n2 % 8;
        return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
    }
}

/* Validate row offsets; returns the longest row, or -1 when invalid. `strict`: rows non-empty,
 * offsets[0] == 0 and offsets[n] == nb (parse's contract); otherwise rows may be empty and the
 * buffer may extend past them. */
static Py_ssize_t check_rows(const int64_t *offs, Py_ssize_t n, Py_ssize_t nb, int strict)
{
    Py_ssize_t longest = 0;
    if (offs[0] < 0 || offs[n] > nb)
        return -1;
    if (strict && (offs[0] != 0 || offs[n] != nb))
        return -1;
    for (Py_ssize_t r = 0; r < n; r++) {
        /* compare before subtracting: every offset is then within [offs[0], offs[n]] and the
         * difference cannot overflow */
        if (offs[r + 1] < offs[r] || (strict && offs[r + 1] == offs[r]))
            return -1;
        const int64_t len = offs[r + 1] - offs[r];
        if (len > longest)
            longest = (Py_ssize_t)len;
    }
    return longest;
}

/* Labels of row r as the parser lays them out: `first`..`first+cnt-1`, starts strictly
 * increasing inside [s, e), ends inside [start, e]. Returns 0 when consistent. */
static int check_row_labels(int64_t s, int64_t e, int64_t first, int64_t cnt, Py_ssize_t n_lab,
                            const int64_t *ls, const int64_t *le)
{
    if (cnt < 1 || first < 0 || first > (int64_t)n_lab - cnt)
        return -1;
    int64_t prev = s - 1;
    for (int64_t k = first; k < first + cnt; k++) {
        if (ls[k] <= prev || ls[k] >= e || le[k] < ls[k] || le[k] > e)
            return -1;
        prev = ls[k];
    }
    if (ls[first] != s)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* count_labels(data, offsets) -> int                                                          */

static PyObject *py_count_labels(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_offs;
    BufSet bs = {.n = 0};
    const uint8_t *data;
    const int64_t *offs;
    Py_ssize_t nb, n1, total = 0;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OO:count_labels", &o_data, &o_offs))
        return NULL;
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_offs, K_I64, 0, -1, offs, &n1, "offsets");
    if (n1 < 1) {
        PyErr_SetString(PyExc_ValueError, "offsets: need at least one item");
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS
    if (check_rows(offs, n1 - 1, nb, 1) < 0)
        err = ERR_ROWS;
    else {
        /* a label starts at every row start and after every dot that is not its row's last byte:
         * count all dots in one branch-free (vectorisable) pass, then take back the row-final ones */
        total = n1 - 1;
        for (Py_ssize_t i = 0; i < nb; i++)
            total += data[i] == '.';
        for (Py_ssize_t r = 0; r < n1 - 1; r++)
            total -= data[offs[r + 1] - 1] == '.';
    }
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    return PyLong_FromSsize_t(total);
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* parse                                                                                       */

#define GOLDEN 0x9E3779B97F4A7C15ULL

/* names._HashSet._probe for one value: the slot holding g, -1 when absent; linear probing from
 * the multiplicative slot, 0 marking an empty slot (so g == 0 "matches" the first empty slot, as in
 * the NumPy reference: callers answer 0 themselves). A full table (never built by _HashSet) holds
 * no absent value. */
static inline int64_t probe_slot(uint64_t g, const uint64_t *keys, uint64_t mask, int shift)
{
    uint64_t slot = (g * GOLDEN) >> shift;
    for (uint64_t probes = 0; probes <= mask; probes++) {
        const uint64_t k = keys[slot];
        if (k == g)
            return (int64_t)slot;
        if (k == 0)
            return -1;
        slot = (slot + 1) & mask;
    }
    return -1;
}

/* names._HashSet.lookup + rule_flags for one hash; the hash 0 itself is answered by `zero_flag`
 * (rule_flags does the same after its look-up). */
static inline uint8_t rule_lookup(uint64_t g, const uint64_t *keys, const uint8_t *slot_flags, uint64_t mask,
                                  int shift, uint8_t zero_flag)
{
    if (g == 0)
        return zero_flag;
    const int64_t slot = probe_slot(g, keys, mask, shift);
    return slot >= 0 ? slot_flags[slot] : 0;
}

static PyObject *py_parse(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_offs, *o_lower_tbl, *o_pw, *o_keys, *o_sflags;
    int shift, zero_flag_i;
    PyObject *o_lower, *o_ls, *o_le, *o_lrow, *o_lidx, *o_g, *o_rfl, *o_nlab, *o_sufs, *o_regs, *o_regl, *o_tld;
    BufSet bs = {.n = 0};
    const uint8_t *data, *lt, *sflags;
    const int64_t *offs;
    const uint64_t *pw, *keys;
    uint8_t *lower, *tld;
    int64_t *ls, *le, *rfl, *sufs, *regs, *regl;
    int32_t *lrow, *lidx, *nlab;
    uint64_t *g;
    Py_ssize_t nb, n1, n, n_pow, n_slots, cap;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OOOOOOiiOOOOOOOOOOOO:parse", &o_data, &o_offs, &o_lower_tbl, &o_pw, &o_keys,
                          &o_sflags, &shift, &zero_flag_i, &o_lower, &o_ls, &o_le, &o_lrow, &o_lidx, &o_g, &o_rfl,
                          &o_nlab, &o_sufs, &o_regs, &o_regl, &o_tld))
        return NULL;
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_offs, K_I64, 0, -1, offs, &n1, "offsets");
    if (n1 < 1 || n1 - 1 > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "offsets: need 1 to 2**31 items");
        goto fail;
    }
    n = n1 - 1;
    ACQ(o_lower_tbl, K_U8, 0, 256, lt, NULL, "lower_table");
    ACQ(o_pw, K_U64, 0, -1, pw, &n_pow, "powers");
    ACQ(o_keys, K_U64, 0, -1, keys, &n_slots, "keys");
    ACQ(o_sflags, K_U8, 0, n_slots, sflags, NULL, "slot_flags");
    /* _HashSet has 2**bits slots, 8 <= bits, shift = 64 - bits; bits <= 40 keeps the shift below defined */
    if (n_pow < 1 || shift < 24 || shift > 56 || n_slots != ((Py_ssize_t)1 << (64 - shift))) {
        PyErr_SetString(PyExc_ValueError,
                        "powers must be non-empty, 24 <= shift <= 56 and len(keys) == 2**(64 - shift)");
        goto fail;
    }
    ACQ(o_lower, K_U8, 1, nb, lower, NULL, "lower");
    ACQ(o_ls, K_I64, 1, -1, ls, &cap, "label_start");
    ACQ(o_le, K_I64, 1, cap, le, NULL, "label_end");
    ACQ(o_lrow, K_I32, 1, cap, lrow, NULL, "label_row");
    ACQ(o_lidx, K_I32, 1, cap, lidx, NULL, "label_idx");
    ACQ(o_g, K_U64, 1, cap, g, NULL, "suffix_hash");
    ACQ(o_rfl, K_I64, 1, n, rfl, NULL, "row_first_label");
    ACQ(o_nlab, K_I32, 1, n, nlab, NULL, "n_labels");
    ACQ(o_sufs, K_I64, 1, n, sufs, NULL, "suffix_start");
    ACQ(o_regs, K_I64, 1, n, regs, NULL, "reg_start");
    ACQ(o_regl, K_I64, 1, n, regl, NULL, "reg_label");
    ACQ(o_tld, K_BOOL, 1, n, tld, NULL, "tld_known");

    {
        const uint64_t mask = (uint64_t)n_slots - 1;
        const uint8_t zero_flag = (uint8_t)zero_flag_i;
        const Py_ssize_t max_pow = n_pow - 1;
        Py_ssize_t L = 0;

        Py_BEGIN_ALLOW_THREADS
        if (check_rows(offs, n, nb, 1) < 0)
            err = ERR_ROWS;
        for (Py_ssize_t r = 0; r < n && !err; r++) {
            const int64_t s = offs[r], e = offs[r + 1];
            const Py_ssize_t first = L;

            /* 1. lower-case the row and split it into labels: a label starts at the row start and
             *    after every dot that is not the row's last byte (so "a." is one label "a." and no
             *    empty label follows a trailing dot, exactly as the NumPy start mask does) */
            if (L >= cap) {
                err = ERR_CAPACITY;
                break;
            }
            ls[L] = s;
            L++;
            for (int64_t i = s; i < e; i++) {
                const uint8_t c = data[i];
                lower[i] = lt[c];
                if (c == '.' && i + 1 < e) {
                    if (L >= cap) {
                        err = ERR_CAPACITY;
                        break;
                    }
                    le[L - 1] = i; /* the dot ends the previous label */
                    ls[L] = i + 1;
                    L++;
                }
            }
            if (err)
                break;
            le[L - 1] = e;
            const Py_ssize_t last = L - 1;
            if (last - first >= INT32_MAX) {
                err = ERR_CAPACITY;
                break;
            }
            for (Py_ssize_t k = first; k <= last; k++) {
                lrow[k] = (int32_t)r;
                lidx[k] = (int32_t)(k - first);
            }

            /* 2. suffix hash of every label start, G(p) = sum_{i>=p} lower[i] * B**min(e-1-i, MAX_POW-1)
             *    modulo 2**64, accumulated from the row end backwards (the NumPy code takes the
             *    same sums as differences of a wrapping cumulative sum; modular arithmetic makes
             *    them equal) */
            {
                uint64_t acc = 0;
                Py_ssize_t d = 0;
                int64_t pos = e;
                for (Py_ssize_t k = last; k >= first; k--) {
                    for (int64_t i = pos - 1; i >= ls[k]; i--, d++)
                        acc += (uint64_t)lower[i] * pw[d < max_pow ? d : max_pow];
                    g[k] = acc;
                    pos = ls[k];
                }
            }

            /* 3. public suffix: the first label that is a rule (or under a wildcard parent) and not
             *    an exception, or the parent of an exception, or else the last label (the PSL
             *    default rule '*'); flags 1 rule, 2 wildcard parent, 4 exception */
            {
                Py_ssize_t suffix = -1;
                uint8_t fl = rule_lookup(g[first], keys, sflags, mask, shift, zero_flag), fl_next = 0;
                int exc_before = 0;
                for (Py_ssize_t k = first; k <= last; k++) {
                    const int same_next = k < last;
                    fl_next = same_next ? rule_lookup(g[k + 1], keys, sflags, mask, shift, zero_flag) : 0;
                    const int in_rule = fl & 1, parent_wild = same_next && (fl_next & 2), is_exc = (fl & 4) != 0;
                    const int is_suffix = ((in_rule || parent_wild) && !is_exc) || !same_next || exc_before;
                    if (is_suffix && suffix < 0)
                        suffix = k;
                    exc_before = is_exc && same_next;
                    if (!same_next)
                        tld[r] = (uint8_t)(in_rule != 0);
                    fl = fl_next;
                }
                rfl[r] = first;
                nlab[r] = (int32_t)(last - first + 1);
                sufs[r] = ls[suffix];
                if (suffix > first) {
                    regl[r] = suffix - 1;
                    regs[r] = ls[suffix - 1];
                }
                else {
                    regl[r] = -1;
                    regs[r] = -1;
                }
            }
        }
        if (!err && L != cap)
            err = ERR_CAPACITY;
        Py_END_ALLOW_THREADS
    }
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* trigram log-likelihood of one row's labels (ngram.label_logprob)                           */

typedef struct {
    const uint8_t *code; /* byte -> model symbol, '.' -> 0 (boundary) */
    const float *logp;   /* K**3 table, index a*K*K + b*K + c */
    int64_t K;
} Ngram;

/* log2 P of every byte of row [s, e) into lp[0 .. e-s) (float32 values widened to double, as
 * reduceat's float64 accumulation does): context (a, b) = the two previous symbols of the row,
 * reset at the row start, with a = 0 after a boundary. */
static inline void row_byte_logp(const uint8_t *data, int64_t s, int64_t e, const Ngram *m, double *lp)
{
    const int64_t K = m->K, KK = K * K;
    int64_t a = 0, b = 0;
    for (int64_t i = s; i < e; i++) {
        const int64_t c = m->code[data[i]];
        lp[i - s] = (double)m->logp[(b == 0 ? 0 : a) * KK + b * K + c];
        a = b;
        b = c;
    }
}

/* Per-label (sum, count) of row r, given its byte log-probabilities lp (from row_byte_logp).
 * Sum: np.add.reduceat over [label start, next label start) - the label's bytes plus its dot -,
 * i.e. first value + pairwise sum of the rest; the row's last label also gets the end-of-name
 * prediction. */
static inline void row_label_logprob(const uint8_t *data, int64_t s, int64_t e, int64_t first, int64_t last,
                                     const int64_t *ls, const int64_t *le, const Ngram *m, const double *lp,
                                     double *tot, int64_t *cnt)
{
    const int64_t K = m->K;
    for (int64_t k = first; k <= last; k++) {
        const int64_t a = ls[k] - s, b = (k < last ? ls[k + 1] : e) - s; /* b > a: checked */
        double t = lp[a];
        if (b - a > 1)
            t += numpy_pairwise_sum(lp + a + 1, b - a - 1);
        tot[k] = t;
        cnt[k] = le[k] - ls[k] + 1;
    }
    const int64_t c1 = m->code[data[e - 1]];
    const int64_t c2 = (e - 2 >= s && c1 != 0) ? m->code[data[e - 2]] : 0;
    tot[last] += (double)m->logp[c2 * K * K + c1 * K + 0];
}

/* order-4 log-likelihood with the quantised uint8 table (ngram.label_logprob, order 4)          */

/* Per-label (sum, count) of row [s, e): q[((x3*K + x2)*K + x1)*K + c] summed as integers over
 * [label start, next label start) - the label's bytes plus its dot -, the row's last label also
 * getting the end-of-name prediction; x1..x3 are the previous three symbols of the row (0 before
 * its start), x2 = 0 where x1 is a boundary and x3 = 0 where that x2 is. tot = -sum / 16, which
 * is exact, so the result equals NumPy's bit for bit whatever the summation order. */
/* As row_label_logprob4 for the leading labels first..upto (a label's sum depends only on the bytes
 * before its end, so these come out the same); the later labels get a sum of 0 and are not read.
 * features() uses the subdomain and registered labels' sums, never the public suffix's. */
static inline void row_label_logprob4_upto(const uint8_t *data, int64_t s, int64_t e, int64_t first, int64_t last,
                                           int64_t upto, const int64_t *ls, const int64_t *le, const uint8_t *code,
                                           const uint8_t *q, int64_t K, double *tot, int64_t *cnt)
{
    int64_t x1 = 0, x2 = 0, x3 = 0;
    int64_t i = s;
    for (int64_t k = first; k <= upto; k++) {
        const int64_t stop = k < last ? ls[k + 1] : e; /* > ls[k]: checked */
        int64_t sum = 0;
        for (; i < stop; i++) {
            const int64_t c = code[data[i]];
            const int64_t y2 = x1 == 0 ? 0 : x2;
            const int64_t y3 = y2 == 0 ? 0 : x3;
            sum += q[((y3 * K + y2) * K + x1) * K + c];
            x3 = x2;
            x2 = x1;
            x1 = c;
        }
        if (k == last) {
            const int64_t e1 = code[data[e - 1]];
            const int64_t e2 = (e - 2 >= s && e1 != 0) ? code[data[e - 2]] : 0;
            const int64_t e3 = (e - 3 >= s && e2 != 0) ? code[data[e - 3]] : 0;
            sum += q[((e3 * K + e2) * K + e1) * K + 0];
        }
        tot[k] = (double)sum * -0.0625;
        cnt[k] = le[k] - ls[k] + 1;
    }
    for (int64_t k = upto + 1; k <= last; k++) { /* not scored: sums of 0 */
        tot[k] = 0.0;
        cnt[k] = le[k] - ls[k] + 1;
    }
}

static inline void row_label_logprob4(const uint8_t *data, int64_t s, int64_t e, int64_t first, int64_t last,
                                      const int64_t *ls, const int64_t *le, const uint8_t *code,
                                      const uint8_t *q, int64_t K, double *tot, int64_t *cnt)
{
    row_label_logprob4_upto(data, s, e, first, last, last, ls, le, code, q, K, tot, cnt);
}

/* Parse the (code, K, logp) arguments; the code table must map into [0, K); logp may be None. */
static int ngram_args(BufSet *s_, PyObject *o_code, long long K, PyObject *o_logp, Ngram *m)
{
    BufSet *ps = s_;
    void *p = NULL;
    if (K < 1 || K > 256) {
        PyErr_SetString(PyExc_ValueError, "K must be in 1..256");
        return -1;
    }
    if (acquire(ps, o_code, K_U8, 0, 256, &p, NULL, "code") < 0)
        return -1;
    m->code = p;
    for (int i = 0; i < 256; i++)
        if (m->code[i] >= K) {
            PyErr_SetString(PyExc_ValueError, "code table maps a byte outside 0..K-1");
            return -1;
        }
    m->K = K;
    m->logp = NULL;
    if (o_logp == Py_None) /* order 4: the caller scores with its uint8 table instead */
        return 0;
    if (acquire(ps, o_logp, K_F32, 0, (Py_ssize_t)(K * K * K), &p, NULL, "logp") < 0)
        return -1;
    m->logp = p;
    return 0;
}

/* The optional order-4 table (K**4 uint8 entries of -16 log2 P); without it the order-3 float
 * table must have been given. */
static int order4_arg(BufSet *s_, PyObject *o_q4, const Ngram *m, const uint8_t **q4)
{
    void *p = NULL;
    *q4 = NULL;
    if (o_q4 == Py_None) {
        if (m->logp == NULL) {
            PyErr_SetString(PyExc_ValueError, "give the order-3 table logp or the order-4 table q4");
            return -1;
        }
        return 0;
    }
    if (acquire(s_, o_q4, K_U8, 0, (Py_ssize_t)(m->K * m->K * m->K * m->K), &p, NULL, "q4") < 0)
        return -1;
    *q4 = p;
    return 0;
}

static PyObject *py_label_logprob(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_offs, *o_ls, *o_le, *o_rfl, *o_nlab, *o_code, *o_logp, *o_tot, *o_cnt, *o_q4 = Py_None;
    long long K;
    BufSet bs = {.n = 0};
    const uint8_t *data, *q4;
    const int64_t *offs, *ls, *le, *rfl;
    const int32_t *nlab;
    double *tot;
    int64_t *cnt;
    Ngram m;
    Py_ssize_t nb, n1, n, nl;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OOOOOOOLOOO|O:label_logprob", &o_data, &o_offs, &o_ls, &o_le, &o_rfl, &o_nlab,
                          &o_code, &K, &o_logp, &o_tot, &o_cnt, &o_q4))
        return NULL;
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_offs, K_I64, 0, -1, offs, &n1, "offsets");
    if (n1 < 1) {
        PyErr_SetString(PyExc_ValueError, "offsets: need at least one item");
        goto fail;
    }
    n = n1 - 1;
    ACQ(o_ls, K_I64, 0, -1, ls, &nl, "label_start");
    ACQ(o_le, K_I64, 0, nl, le, NULL, "label_end");
    ACQ(o_rfl, K_I64, 0, n, rfl, NULL, "row_first_label");
    ACQ(o_nlab, K_I32, 0, n, nlab, NULL, "n_labels");
    if (ngram_args(&bs, o_code, K, o_logp, &m) < 0 || order4_arg(&bs, o_q4, &m, &q4) < 0)
        goto fail;
    ACQ(o_tot, K_F64, 1, nl, tot, NULL, "tot");
    ACQ(o_cnt, K_I64, 1, nl, cnt, NULL, "cnt");

    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t longest = check_rows(offs, n, nb, 1);
    double *lp = NULL;
    if (longest < 0)
        err = ERR_ROWS;
    else if (q4 == NULL && (lp = PyMem_RawMalloc(sizeof(double) * (size_t)(longest + 1))) == NULL)
        err = ERR_NOMEM;
    for (Py_ssize_t r = 0; r < n && !err; r++) {
        const int64_t s = offs[r], e = offs[r + 1], first = rfl[r];
        if (check_row_labels(s, e, first, nlab[r], nl, ls, le) < 0) {
            err = ERR_LABELS;
            break;
        }
        const int64_t last = first + nlab[r] - 1; /* in range: checked */
        if (q4 != NULL) {
            row_label_logprob4(data, s, e, first, last, ls, le, m.code, q4, K, tot, cnt);
        } else {
            row_byte_logp(data, s, e, &m, lp);
            row_label_logprob(data, s, e, first, last, ls, le, &m, lp, tot, cnt);
        }
    }
    PyMem_RawFree(lp);
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* features: the byte-level statistics of features.compute in one pass per row                  */

/* Class counts without a read-modify-write of a counter per byte (which serialises on
 * store-to-load forwarding): every class has an 8-bit lane in one of two uint64 accumulators, a
 * byte adds its class's one-hot lane value from a table, and the lanes are flushed into the
 * int32 counts at least every 255 bytes, before one could overflow. Up to 16 classes. */
typedef struct {
    uint64_t lo[256], hi[256];
} OneHot;

static void onehot_init(OneHot *t, const uint8_t *code)
{
    for (int c = 0; c < 256; c++) {
        const int k = code[c]; /* < 16: checked by the caller */
        t->lo[c] = k < 8 ? (uint64_t)1 << (8 * k) : 0;
        t->hi[c] = k >= 8 ? (uint64_t)1 << (8 * (k - 8)) : 0;
    }
}

static inline void onehot_count(const uint8_t *p, int64_t len, const OneHot *t, int32_t counts[16])
{
    while (len > 0) {
        const int64_t m = len < 255 ? len : 255;
        uint64_t lo = 0, hi = 0;
        for (int64_t i = 0; i < m; i++) {
            lo += t->lo[p[i]];
            hi += t->hi[p[i]];
        }
        for (int k = 0; k < 8; k++) {
            counts[k] += (int32_t)((lo >> (8 * k)) & 0xFF);
            counts[8 + k] += (int32_t)((hi >> (8 * k)) & 0xFF);
        }
        p += m;
        len -= m;
    }
}

/* bytes >= 128 in the low half, whitespace/control bytes (<= 32, 127) in the high half */
static uint64_t BYTE_FLAGS[256];

/* a, e, i, o, u, y in either case (features._VOWEL); the mask covers features.VOWEL_MASK_LEN bytes */
static uint8_t IS_VOWEL[256];
enum { VOWEL_MASK_LEN = 16, TAIL_LEN = 12, TAIL_HEAD = 4 }; /* features.VOWEL_MASK_LEN, .TAIL_LEN, .TAIL_HEAD */
static uint8_t ASCII_LOWER[256];             /* names.LOWER */
/* features.bag_keys: a random 64-bit key per lower-cased byte; a label's "bag" is their sum */
static uint64_t BAG_KEY[256];

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void byte_flags_init(void)
{
    for (int c = 0; c < 256; c++) {
        BYTE_FLAGS[c] = (uint64_t)(c >= 128) | ((uint64_t)(c <= 32 || c == 127) << 32);
        IS_VOWEL[c] = c < 128 && c != 0 && strchr("aeiouyAEIOUY", c) != NULL;
        ASCII_LOWER[c] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        BAG_KEY[c] = splitmix64(0xA9A0ULL + ASCII_LOWER[c]);
    }
}

static PyObject *py_features(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_offs, *o_ls, *o_le, *o_rfl, *o_nlab, *o_regs, *o_regl, *o_subc, *o_regc, *o_code, *o_logp;
    PyObject *o_cc, *o_stats, *o_tot, *o_cnt, *o_sublp, *o_q4 = Py_None;
    const uint8_t *q4;
    int none_code, ncls;
    long long K;
    BufSet bs = {.n = 0};
    const uint8_t *data, *subc, *regc;
    const int64_t *offs, *ls, *le, *rfl, *regs, *regl;
    const int32_t *nlab;
    int32_t *cc;
    int64_t *stats, *cnt;
    double *tot, *sublp;
    Ngram m;
    Py_ssize_t nb, n1, n, nl;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OOOOOOOOOOiiOLOOOOOO|O:features", &o_data, &o_offs, &o_ls, &o_le, &o_rfl, &o_nlab,
                          &o_regs, &o_regl, &o_subc, &o_regc, &none_code, &ncls, &o_code, &K, &o_logp, &o_cc,
                          &o_stats, &o_tot, &o_cnt, &o_sublp, &o_q4))
        return NULL;
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_offs, K_I64, 0, -1, offs, &n1, "offsets");
    if (n1 < 1) {
        PyErr_SetString(PyExc_ValueError, "offsets: need at least one item");
        goto fail;
    }
    n = n1 - 1;
    ACQ(o_ls, K_I64, 0, -1, ls, &nl, "label_start");
    ACQ(o_le, K_I64, 0, nl, le, NULL, "label_end");
    ACQ(o_rfl, K_I64, 0, n, rfl, NULL, "row_first_label");
    ACQ(o_nlab, K_I32, 0, n, nlab, NULL, "n_labels");
    ACQ(o_regs, K_I64, 0, n, regs, NULL, "reg_start");
    ACQ(o_regl, K_I64, 0, n, regl, NULL, "reg_label");
    ACQ(o_subc, K_U8, 0, 256, subc, NULL, "sub_code");
    ACQ(o_regc, K_U8, 0, 256, regc, NULL, "reg_code");
    if (ncls < 1 || ncls > 256 || none_code < 0 || none_code >= ncls) {
        PyErr_SetString(PyExc_ValueError, "need 0 <= none_code < ncls <= 256");
        goto fail;
    }
    for (int i = 0; i < 256; i++)
        if (subc[i] >= ncls || regc[i] >= ncls) {
            PyErr_SetString(PyExc_ValueError, "class tables map a byte outside 0..ncls-1");
            goto fail;
        }
    if (ngram_args(&bs, o_code, K, o_logp, &m) < 0)
        goto fail;
    if (ncls > 16) {
        PyErr_SetString(PyExc_ValueError, "at most 16 classes");
        goto fail;
    }
    ACQ(o_cc, K_I32, 1, n * ncls, cc, NULL, "class_counts");
    ACQ(o_stats, K_I64, 1, 8 * n, stats, NULL, "stats");
    ACQ(o_tot, K_F64, 1, nl, tot, NULL, "tot");
    ACQ(o_cnt, K_I64, 1, nl, cnt, NULL, "cnt");
    ACQ(o_sublp, K_F64, 1, n, sublp, NULL, "sub_lp");
    if (order4_arg(&bs, o_q4, &m, &q4) < 0) /* an order-4 model's uint8 table gives the label sums */
        goto fail;

    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t longest = check_rows(offs, n, nb, 1);
    double *lp = NULL;
    OneHot *onehot = NULL; /* [0] subdomain classes, [1] registered-label classes */
    int64_t *n_nonascii = stats, *n_ctrl = stats + n, *max_label = stats + 2 * n, *n_empty = stats + 3 * n,
            *sub_max = stats + 4 * n, *reg_vowels = stats + 5 * n, *reg_tail = stats + 6 * n,
            *reg_bag = stats + 7 * n;
    if (longest < 0)
        err = ERR_ROWS;
    else if ((lp = PyMem_RawMalloc(sizeof(double) * (size_t)(longest + 1))) == NULL ||
             (onehot = PyMem_RawMalloc(2 * sizeof(OneHot))) == NULL)
        err = ERR_NOMEM;
    else {
        onehot_init(&onehot[0], subc);
        onehot_init(&onehot[1], regc);
    }
    for (Py_ssize_t r = 0; r < n && !err; r++) {
        const int64_t s = offs[r], e = offs[r + 1], first = rfl[r];
        if (check_row_labels(s, e, first, nlab[r], nl, ls, le) < 0) {
            err = ERR_LABELS;
            break;
        }
        const int64_t last = first + nlab[r] - 1; /* in range: checked */
        /* regions as in features.compute: subdomain [s, sub_end) when non-empty, registered label
         * [reg_start, reg_end); the dot between them and the public suffix are in neither */
        const int64_t rs = regs[r], rl = regl[r];
        const int has_reg = rs >= 0;
        int64_t sub_end = s, reg_end = -1;
        if (has_reg) {
            if (rl < first || rl >= last || rs != ls[rl]) {
                err = ERR_LABELS;
                break;
            }
            sub_end = rs - 1;
            reg_end = le[rl];
        }
        const int64_t sub_stop = sub_end > s ? sub_end : s; /* empty subdomain region when sub_end <= s */
        const int64_t reg_a = has_reg ? rs : s, reg_b = has_reg ? reg_end : s;
        int32_t counts[16] = {0};
        onehot_count(data + s, sub_stop - s, &onehot[0], counts);
        onehot_count(data + reg_a, reg_b - reg_a, &onehot[1], counts);
        /* every other byte (the dot before the registered label, the public suffix) */
        counts[none_code] += (int32_t)((e - s) - (sub_stop - s) - (reg_b - reg_a));
        memcpy(cc + r * ncls, counts, sizeof(int32_t) * (size_t)ncls);
        /* vowel/consonant shape of the registered label: bit j = its byte j is a vowel (j < 16) */
        int64_t vowels = 0;
        for (int64_t j = 0; j < reg_b - reg_a && j < VOWEL_MASK_LEN; j++)
            vowels |= (int64_t)IS_VOWEL[data[reg_a + j]] << j;
        reg_vowels[r] = vowels;
        /* the registered label's last TAIL_LEN characters, but none of its first TAIL_HEAD,
         * lower-cased, folded base 1000003 (labels of at least TAIL_LEN + 2 characters; 0 otherwise) */
        uint64_t tail = 0;
        if (reg_b - reg_a >= TAIL_LEN + 2) {
            const int64_t k = reg_b - reg_a - TAIL_HEAD < TAIL_LEN ? reg_b - reg_a - TAIL_HEAD : TAIL_LEN;
            for (int64_t j = reg_b - k; j < reg_b; j++)
                tail = tail * 1000003u + ASCII_LOWER[data[j]];
        }
        reg_tail[r] = (int64_t)tail;
        /* the registered label's bytes in any order: the sum of their BAG_KEYs (0 without one) */
        uint64_t bag = 0;
        for (int64_t j = reg_a; j < reg_b; j++)
            bag += BAG_KEY[data[j]];
        reg_bag[r] = (int64_t)bag;
        int64_t nonascii = 0, ctrl = 0;
        for (int64_t i = s; i < e;) {
            const int64_t stop = e - i > ((int64_t)1 << 30) ? i + ((int64_t)1 << 30) : e; /* no lane overflow */
            uint64_t acc = 0;
            for (; i < stop; i++)
                acc += BYTE_FLAGS[data[i]];
            nonascii += (int64_t)(acc & 0xFFFFFFFFu);
            ctrl += (int64_t)(acc >> 32);
        }
        n_nonascii[r] = nonascii;
        n_ctrl[r] = ctrl;

        if (q4 != NULL) {
            /* only the subdomain and registered labels' sums are used (sub_lp, reg_lp): none for a
             * name without a registered domain, nor for the public suffix's labels */
            row_label_logprob4_upto(data, s, e, first, last, has_reg ? rl : first - 1, ls, le, m.code, q4, K, tot,
                                    cnt);
        } else {
            row_byte_logp(data, s, e, &m, lp);
            row_label_logprob(data, s, e, first, last, ls, le, &m, lp, tot, cnt);
        }

        /* per-label reductions; a label belongs to the subdomain when it starts before sub_end.
         * sub_lp adds 0.0 for the other labels, as np.bincount's weighted sum does. */
        int64_t mx = 0, empties = 0, smx = 0;
        double acc = 0.0;
        for (int64_t k = first; k <= last; k++) {
            const int64_t len = le[k] - ls[k];
            const int is_sub = ls[k] < sub_end;
            if (len > mx)
                mx = len;
            empties += len == 0;
            if (is_sub && len > smx)
                smx = len;
            acc += is_sub ? tot[k] : 0.0;
        }
        max_label[r] = mx;
        n_empty[r] = empties;
        sub_max[r] = smx;
        sublp[r] = acc;
    }
    PyMem_RawFree(lp);
    PyMem_RawFree(onehot);
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* entropy of byte segments (features._entropy)                                               */

static PyObject *py_entropy(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_start, *o_stop, *o_code, *o_xlogx, *o_log2, *o_out;
    int skip_dots;
    long long K;
    BufSet bs = {.n = 0};
    const uint8_t *data, *code;
    const int64_t *start, *stop;
    const double *xlogx, *log2t;
    double *out;
    Py_ssize_t nb, m, n_x, n_l;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OOOpOLOOO:entropy", &o_data, &o_start, &o_stop, &skip_dots, &o_code, &K, &o_xlogx,
                          &o_log2, &o_out))
        return NULL;
    if (K < 1 || K > 256) {
        PyErr_SetString(PyExc_ValueError, "K must be in 1..256");
        return NULL;
    }
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_start, K_I64, 0, -1, start, &m, "start");
    ACQ(o_stop, K_I64, 0, m, stop, NULL, "stop");
    ACQ(o_code, K_U8, 0, 256, code, NULL, "code");
    for (int i = 0; i < 256; i++)
        if (code[i] >= K) {
            PyErr_SetString(PyExc_ValueError, "code table maps a byte outside 0..K-1");
            goto fail;
        }
    ACQ(o_xlogx, K_F64, 0, -1, xlogx, &n_x, "xlogx");
    ACQ(o_log2, K_F64, 0, -1, log2t, &n_l, "log2");
    ACQ(o_out, K_F64, 1, m, out, NULL, "out");

    Py_BEGIN_ALLOW_THREADS
    int64_t counts[256];
    double terms[256];
    for (Py_ssize_t j = 0; j < m && !err; j++) {
        /* an empty or reversed range is an empty segment (entropy 0), as in entropy_of_rows */
        const int64_t a = start[j], b = stop[j];
        if (b <= a) {
            out[j] = 0.0;
            continue;
        }
        if (a < 0 || b > nb) {
            err = ERR_OFFS;
            break;
        }
        memset(counts, 0, sizeof(int64_t) * (size_t)K);
        int64_t total = 0;
        for (int64_t i = a; i < b; i++) {
            const uint8_t c = data[i];
            if (skip_dots && c == '.')
                continue;
            counts[code[c]]++;
            total++;
        }
        if (total == 0) {
            out[j] = 0.0;
            continue;
        }
        if (total >= n_x || total >= n_l) {
            err = ERR_TABLE;
            break;
        }
        /* sum over the K symbols of count*log2(count), pairwise as ndarray.sum(axis=1) does */
        for (int64_t k = 0; k < K; k++)
            terms[k] = xlogx[counts[k]];
        const double sxl = numpy_pairwise_sum(terms, (Py_ssize_t)K);
        out[j] = log2t[total] - sxl / (double)total;
    }
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* first_occurrences: exact de-duplication of a binary array, first-appearance order            */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

/* The hash of p[0:len] inside a buffer that ends at `end` (p + len <= end). The last, partial word
 * is the 1-7 bytes after the whole ones, zero-padded: where the buffer goes on for a whole word, it
 * is read with one 8-byte load and masked (the same value on a little-endian machine) instead of a
 * variable-length memcpy into a word on the stack, which stalls the load that follows it. */
static inline uint64_t hash_bytes_in(const uint8_t *p, size_t len, uint64_t seed, const uint8_t *end)
{
    uint64_t h = seed ^ (len * 0x9E3779B97F4A7C15ULL);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8); /* unaligned-safe load */
        h = (h ^ mix64(w + 0x165667B19E3779F9ULL)) * 0x9FB21C651E98DF25ULL;
    }
    if (i < len) {
        uint64_t w = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if ((size_t)(end - (p + i)) >= 8) {
            memcpy(&w, p + i, 8);
            w &= (1ULL << (8 * (len - i))) - 1;
        } else
#endif
            memcpy(&w, p + i, len - i);
        h = (h ^ mix64(w + 0x27D4EB2F165667C5ULL)) * 0x9FB21C651E98DF25ULL;
    }
    return mix64(h);
}

static PyObject *py_first_occurrences(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_offs, *o_out;
    unsigned long long seed;
    BufSet bs = {.n = 0};
    const uint8_t *data;
    const int64_t *offs;
    int64_t *out;
    Py_ssize_t nb, n1, n, k = 0;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OOOK:first_occurrences", &o_data, &o_offs, &o_out, &seed))
        return NULL;
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_offs, K_I64, 0, -1, offs, &n1, "offsets");
    if (n1 < 1 || n1 - 1 >= (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "offsets: need 1 to 2**32-1 items");
        goto fail;
    }
    n = n1 - 1;
    ACQ(o_out, K_I64, 1, n, out, NULL, "out");

    Py_BEGIN_ALLOW_THREADS
    /* Open addressing with linear probing, load <= 1/2. A slot is one uint64: the row's hash
     * tag in the high 32 bits and (row + 1) in the low 32 bits (0 = empty), so most non-matching
     * probes are rejected without touching the strings. The table is far larger than the CPU
     * caches, so rows go in blocks: hash the block and prefetch its slots, then probe in order
     * (first-appearance order is kept because probing stays sequential). */
    enum { BLOCK = 16 };
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap <<= 1;
    uint64_t *slots = NULL;
    if (check_rows(offs, n, nb, 0) < 0)
        err = ERR_OFFS;
    else if ((slots = PyMem_RawCalloc(cap, sizeof(uint64_t))) == NULL)
        err = ERR_NOMEM;
    const size_t mask = cap - 1;
    uint64_t hashes[BLOCK];
    for (Py_ssize_t i0 = 0; i0 < n && !err; i0 += BLOCK) {
        const Py_ssize_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
        for (Py_ssize_t j = 0; j < m; j++) {
            const int64_t a = offs[i0 + j];
            hashes[j] = hash_bytes_in(data + a, (size_t)(offs[i0 + j + 1] - a), (uint64_t)seed, data + nb);
            PREFETCH(&slots[hashes[j] & mask]);
        }
        for (Py_ssize_t j = 0; j < m; j++) {
            const Py_ssize_t i = i0 + j;
            const uint8_t *p = data + offs[i];
            const size_t len = (size_t)(offs[i + 1] - offs[i]);
            const uint64_t tag = hashes[j] >> 32;
            size_t s = (size_t)hashes[j] & mask;
            int dup = 0;
            uint64_t v;
            while ((v = slots[s]) != 0) {
                if ((v >> 32) == tag) {
                    const Py_ssize_t r = (Py_ssize_t)(v & 0xFFFFFFFFu) - 1;
                    const size_t len_r = (size_t)(offs[r + 1] - offs[r]);
                    if (len_r == len && (len == 0 || memcmp(data + offs[r], p, len) == 0)) {
                        dup = 1;
                        break;
                    }
                }
                s = (s + 1) & mask;
            }
            if (!dup) {
                slots[s] = (tag << 32) | (uint64_t)(i + 1);
                out[k++] = i;
            }
        }
    }
    PyMem_RawFree(slots);
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(err == ERR_NOMEM ? PyExc_MemoryError : PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    return PyLong_FromSsize_t(k);
fail:
    bufs_release(&bs);
    return NULL;
}

/* unique_lines: the distinct non-empty lines of a text, copied out in order of first appearance  */

static inline const uint8_t *next_break(const uint8_t *p, const uint8_t *end)
{
    /* the first '\n' or '\r' at or after p (end if none): memchr for '\n' is vectorised by libc,
     * and lone '\r' line ends are rare, so look for '\r' only within the line found */
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
        nl = end;
    const uint8_t *cr = memchr(p, '\r', (size_t)(nl - p));
    return cr != NULL ? cr : nl;
}

/* Strict UTF-8, as bytes.decode("utf-8") accepts it (Unicode's table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF); ASCII runs are skipped a word at a time. */
static int utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        uint8_t lo = 0x80, hi = 0xBF;
        size_t need;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return 0;
        if (n - i - 1 < need || p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t j = 2; j <= need; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

static PyObject *py_utf8_valid(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer v;
    int ok;
    if (!PyArg_ParseTuple(args, "y*:utf8_valid", &v))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    ok = utf8_valid(v.buf, (size_t)v.len);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&v);
    return PyBool_FromLong(ok);
}

static PyObject *py_count_lines(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer v;
    if (!PyArg_ParseTuple(args, "y*:count_lines", &v))
        return NULL;
    const uint8_t *p = v.buf, *end = (const uint8_t *)v.buf + v.len;
    Py_ssize_t n = 0;
    Py_BEGIN_ALLOW_THREADS
    while (p < end) {
        const uint8_t *b = next_break(p, end);
        n += b > p;
        p = b + 1;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&v);
    return PyLong_FromSsize_t(n);
}

static PyObject *py_unique_lines(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_out, *o_offs, *o_first;
    unsigned long long seed;
    Py_buffer v;
    BufSet bs = {.n = 0};
    uint8_t *out;
    int64_t *offs, *first_line;
    Py_ssize_t n_out, n_offs, k = 0, line_no = 0;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "y*OOOK:unique_lines", &v, &o_out, &o_offs, &o_first, &seed))
        return NULL;
    ACQ(o_out, K_U8, 1, -1, out, &n_out, "out");
    ACQ(o_offs, K_I64, 1, -1, offs, &n_offs, "offsets");
    ACQ(o_first, K_I64, 1, n_offs - 1, first_line, NULL, "first");
    if (n_out < v.len || n_offs < 1 || n_offs - 1 >= (Py_ssize_t)UINT32_MAX || v.len >= (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError,
                        "out must hold the text, which must be under 4 GiB; offsets need lines + 1 items");
        goto fail;
    }

    Py_BEGIN_ALLOW_THREADS
    /* Lines end at '\n', '\r' or "\r\n"; empty lines are not names. First every non-empty line's
     * start and length are listed; then, as in first_occurrences, lines are hashed a block at a
     * time with their slots prefetched (the table outgrows the caches) and probed in order, so the
     * first appearance of each distinct line wins; last, the distinct lines are copied out, in
     * order, with memmove: `out` may be the text's own (writable) buffer, as a line never moves
     * forward. Starts and lengths are 32-bit (the text is under 4 GiB). A slot holds the hash tag
     * and (line number + 1). */
    const size_t max_lines = (size_t)(n_offs - 1);
    enum { BLOCK = 16 };
    size_t cap = 16;
    while (cap < max_lines * 2)
        cap <<= 1;
    uint64_t *slots = PyMem_RawCalloc(cap, sizeof(uint64_t));
    uint32_t *starts = PyMem_RawMalloc((max_lines + 1) * sizeof(uint32_t));
    uint32_t *lens = PyMem_RawMalloc((max_lines + 1) * sizeof(uint32_t));
    if (slots == NULL || starts == NULL || lens == NULL)
        err = ERR_NOMEM;
    const uint8_t *text = v.buf, *end = (const uint8_t *)v.buf + v.len, *p = text;
    while (!err && p < end) {
        const uint8_t *b = next_break(p, end);
        if (b > p) {
            if ((size_t)line_no >= max_lines) {
                err = "more lines than counted";
                break;
            }
            starts[line_no] = (uint32_t)(p - text);
            lens[line_no] = (uint32_t)(b - p);
            line_no++;
        }
        p = b + 1;
    }
    const size_t mask = cap - 1;
    uint64_t hashes[BLOCK];
    for (Py_ssize_t i0 = 0; i0 < line_no && !err; i0 += BLOCK) {
        const Py_ssize_t m = line_no - i0 < BLOCK ? line_no - i0 : BLOCK;
        for (Py_ssize_t j = 0; j < m; j++) {
            hashes[j] = hash_bytes_in(text + starts[i0 + j], (size_t)lens[i0 + j], (uint64_t)seed, end);
            PREFETCH(&slots[hashes[j] & mask]);
        }
        for (Py_ssize_t j = 0; j < m; j++) {
            const Py_ssize_t i = i0 + j;
            const uint8_t *q = text + starts[i];
            const size_t len = (size_t)lens[i];
            const uint64_t tag = hashes[j] >> 32;
            size_t s = (size_t)hashes[j] & mask;
            int dup = 0;
            uint64_t e;
            while ((e = slots[s]) != 0) {
                if ((e >> 32) == tag) {
                    const Py_ssize_t r = (Py_ssize_t)(e & 0xFFFFFFFFu) - 1;
                    if ((size_t)lens[r] == len && memcmp(text + starts[r], q, len) == 0) {
                        dup = 1;
                        break;
                    }
                }
                s = (s + 1) & mask;
            }
            if (!dup) {
                slots[s] = (tag << 32) | (uint64_t)(i + 1);
                first_line[k++] = i;
            }
        }
    }
    int64_t pos = 0;
    offs[0] = 0;
    for (Py_ssize_t j = 0; j < k && !err; j++) {
        const int64_t i = first_line[j];
        memmove(out + pos, text + starts[i], (size_t)lens[i]);
        pos += (int64_t)lens[i];
        offs[j + 1] = pos;
    }
    PyMem_RawFree(slots);
    PyMem_RawFree(starts);
    PyMem_RawFree(lens);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&v);
    if (err) {
        PyErr_SetString(err == ERR_NOMEM ? PyExc_MemoryError : PyExc_ValueError, err);
        bufs_release(&bs);
        return NULL;
    }
    bufs_release(&bs);
    return Py_BuildValue("nn", k, line_no);
fail:
    PyBuffer_Release(&v);
    bufs_release(&bs);
    return NULL;
}

/* factorize_u64: integer codes of 64-bit keys in order of first appearance                     */

typedef struct {
    uint64_t key;
    uint32_t code; /* code + 1; 0 = empty slot */
} FactSlot;

static PyObject *py_factorize_u64(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_vals, *o_codes;
    unsigned long long seed;
    BufSet bs = {.n = 0};
    const uint64_t *vals;
    int32_t *codes;
    Py_ssize_t n, k = 0;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OOK:factorize_u64", &o_vals, &o_codes, &seed))
        return NULL;
    ACQ(o_vals, K_U64, 0, -1, vals, &n, "values");
    if (n >= (Py_ssize_t)INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "values: need fewer than 2**31-1 items");
        goto fail;
    }
    ACQ(o_codes, K_I32, 1, n, codes, NULL, "codes");

    int64_t *first = NULL;
    Py_BEGIN_ALLOW_THREADS
    /* Open addressing, load <= 1/2, grown as distinct keys arrive (a day of DNS events has
     * millions of rows but few distinct devices or query types: the table stays in L1/L2). A slot
     * holds its key and (code + 1) (0 = empty) side by side, so a probe touches one cache line.
     * Keys are mixed with a per-process seed before slotting: registered-domain hashes are
     * polynomial hashes of attacker-chosen names, whose low bits are neither uniform nor secret.
     * A large table is a cache miss per row: the slot of the row PREFETCH_AHEAD rows on is
     * prefetched, so the misses overlap. `first` (row of each code's first appearance) grows
     * likewise. */
    enum { PREFETCH_AHEAD = 16 };
    size_t cap = 64, first_cap = 32;
    FactSlot *tab = PyMem_RawCalloc(cap, sizeof(FactSlot));
    first = PyMem_RawMalloc(first_cap * sizeof(int64_t));
    if (tab == NULL || first == NULL)
        err = ERR_NOMEM;
    size_t mask = cap - 1;
    for (Py_ssize_t i = 0; i < n && !err; i++) {
        if (i + PREFETCH_AHEAD < n)
            __builtin_prefetch(&tab[(size_t)mix64(vals[i + PREFETCH_AHEAD] ^ (uint64_t)seed) & mask]);
        const uint64_t v = vals[i];
        size_t s = (size_t)mix64(v ^ (uint64_t)seed) & mask;
        uint32_t c;
        while ((c = tab[s].code) != 0 && tab[s].key != v)
            s = (s + 1) & mask;
        if (c != 0) {
            codes[i] = (int32_t)c - 1;
            continue;
        }
        if ((size_t)k == first_cap) {
            int64_t *grown = PyMem_RawRealloc(first, 2 * first_cap * sizeof(int64_t));
            if (grown == NULL) {
                err = ERR_NOMEM;
                break;
            }
            first = grown;
            first_cap *= 2;
        }
        first[k] = i;
        codes[i] = (int32_t)k;
        tab[s].key = v;
        tab[s].code = (uint32_t)(++k);
        if ((size_t)k * 2 > cap) { /* rehash into a table twice as large */
            const size_t ncap = cap * 2, nmask = ncap - 1;
            FactSlot *ntab = PyMem_RawCalloc(ncap, sizeof(FactSlot));
            if (ntab == NULL) {
                err = ERR_NOMEM;
                break;
            }
            for (size_t j = 0; j < cap; j++) {
                if (tab[j].code == 0)
                    continue;
                size_t t = (size_t)mix64(tab[j].key ^ (uint64_t)seed) & nmask;
                while (ntab[t].code != 0)
                    t = (t + 1) & nmask;
                ntab[t] = tab[j];
            }
            PyMem_RawFree(tab);
            tab = ntab;
            cap = ncap;
            mask = nmask;
        }
    }
    PyMem_RawFree(tab);
    Py_END_ALLOW_THREADS
    if (err) {
        PyMem_RawFree(first);
        PyErr_SetString(PyExc_MemoryError, err);
        goto fail;
    }
    bufs_release(&bs);
    PyObject *rows = PyBytes_FromStringAndSize((const char *)first, (Py_ssize_t)(k * (Py_ssize_t)sizeof(int64_t)));
    PyMem_RawFree(first);
    return rows;
fail:
    bufs_release(&bs);
    return NULL;
}

/* group_min_max: per-group minimum and maximum of int64 values where a mask holds                  */

static PyObject *py_group_min_max(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_groups, *o_vals, *o_mask, *o_min, *o_max;
    BufSet bs = {.n = 0};
    const int32_t *groups;
    const int64_t *vals;
    const uint8_t *mask;
    int64_t *mn, *mx;
    Py_ssize_t n, ng;
    int bad = 0;

    if (!PyArg_ParseTuple(args, "OOOOO:group_min_max", &o_groups, &o_vals, &o_mask, &o_min, &o_max))
        return NULL;
    ACQ(o_groups, K_I32, 0, -1, groups, &n, "groups");
    ACQ(o_vals, K_I64, 0, n, vals, NULL, "values");
    ACQ(o_mask, K_BOOL, 0, n, mask, NULL, "mask");
    ACQ(o_min, K_I64, 1, -1, mn, &ng, "out_min");
    ACQ(o_max, K_I64, 1, ng, mx, NULL, "out_max");
    Py_BEGIN_ALLOW_THREADS
    /* what np.minimum.at / np.maximum.at do on the masked rows, in one pass; the outputs keep
     * their initial values for groups without a masked row */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!mask[i])
            continue;
        const int32_t g = groups[i];
        if (g < 0 || g >= ng) {
            bad = 1;
            break;
        }
        const int64_t v = vals[i];
        if (v < mn[g])
            mn[g] = v;
        if (v > mx[g])
            mx[g] = v;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "groups: a masked row's group is outside the outputs");
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* group_max_u64: per-group maximum of uint64 values                                              */

static PyObject *py_group_max_u64(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_groups, *o_vals, *o_max;
    BufSet bs = {.n = 0};
    const int32_t *groups;
    const uint64_t *vals;
    uint64_t *mx;
    Py_ssize_t n, ng;
    int bad = 0;

    if (!PyArg_ParseTuple(args, "OOO:group_max_u64", &o_groups, &o_vals, &o_max))
        return NULL;
    ACQ(o_groups, K_I32, 0, -1, groups, &n, "groups");
    ACQ(o_vals, K_U64, 0, n, vals, NULL, "values");
    ACQ(o_max, K_U64, 1, -1, mx, &ng, "out_max");
    Py_BEGIN_ALLOW_THREADS
    /* what np.maximum.at does, unsigned; groups keep their initial value unless a row exceeds it */
    for (Py_ssize_t i = 0; i < n; i++) {
        const int32_t g = groups[i];
        if (g < 0 || g >= ng) {
            bad = 1;
            break;
        }
        if (vals[i] > mx[g])
            mx[g] = vals[i];
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "groups: a row's group is outside the output");
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* suppress: suppress.suppression_codes, one pass per name                                        */

/* hash-set membership as names._HashSet answers it (0 is a member only if the table holds it) */
static inline int64_t set_slot(uint64_t g, const uint64_t *keys, uint64_t mask, int shift, int zero_member)
{
    if (g == 0)
        return zero_member ? -2 : -1; /* -2: a member without a slot */
    return probe_slot(g, keys, mask, shift);
}

static inline int in_list(uint64_t g, const uint64_t *list, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (list[i] == g)
            return 1;
    return 0;
}

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static inline int is_hex_lower(uint8_t c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/* constants of suppress.py, in the order suppress._native_codes passes them */
enum {
    C_FAM_REVERSE, C_FAM_SERVICE, C_FAM_DNSBL, C_FAM_SINGLE, C_FAM_INTERNAL, C_FAM_WINHOST, C_FAM_RESOURCE,
    C_R_REVERSE, C_R_DNSBL, C_R_SINGLE, C_R_INTERNAL, C_R_WINHOST, C_R_UUID, C_R_HEX_ID, C_ZONE_FAM0,
    C_WIN_LEN, C_SVC_WIDTH, C_FAM_ADDR, C_R_ADDR, C_ADDR_PREFIX, C_ADDR_SUFFIX, C_ADDR_REST_N, C_ADDR_REST_LABEL,
    C_ADDR_REST_TOTAL, C_R_ADDR_NET, C_R_ASSET, C_ASSET_CODE_MAX, C_ASSET_TAG_MIN, C_ASSET_TAG_MAX, C_ASSET_TOKENS,
    C_N
};

/* suppress._asset_tag_hosts on one host label (lower-cased and original bytes): 2..C_ASSET_TOKENS
 * hyphen-separated tokens, all but the last of 1..C_ASSET_CODE_MAX letters, the last of
 * C_ASSET_TAG_MIN..C_ASSET_TAG_MAX letters and digits, no token mixing upper- and lower-case letters */
static int asset_tag_label(const uint8_t *low, const uint8_t *orig, int64_t len, const int16_t *consts)
{
    int64_t tokens = 1, tok_len = 0;
    int up = 0, lo = 0, digit = 0;
    for (int64_t j = 0; j < len; j++) {
        const uint8_t c = low[j];
        if (c == '-') {
            if (digit || tok_len < 1 || tok_len > consts[C_ASSET_CODE_MAX] || ++tokens > consts[C_ASSET_TOKENS])
                return 0;
            tok_len = 0;
            up = lo = digit = 0;
            continue;
        }
        if (c >= 'a' && c <= 'z') {
            if (orig[j] != c)
                up = 1;
            else
                lo = 1;
            if (up && lo)
                return 0;
        } else if (is_digit(c)) {
            digit = 1;
        } else {
            return 0;
        }
        tok_len++;
    }
    return tokens >= 2 && tok_len >= consts[C_ASSET_TAG_MIN] && tok_len <= consts[C_ASSET_TAG_MAX];
}

/* suppress._few_short_labels on labels [from, to): at most ADDRESS_REST_LABELS of them, each at most
 * ADDRESS_REST_LABEL characters and ADDRESS_REST_TOTAL in all */
static int few_short_labels(const int64_t *ls, const int64_t *le, int64_t from, int64_t to, const int16_t *consts)
{
    if (to - from > consts[C_ADDR_REST_N])
        return 0;
    int64_t total = 0;
    for (int64_t k = from; k < to; k++) {
        const int64_t lk = le[k] - ls[k];
        total += lk;
        if (lk > consts[C_ADDR_REST_LABEL] || total > consts[C_ADDR_REST_TOTAL])
            return 0;
    }
    return 1;
}

/* one decimal octet (1-3 digits, <= 255) at c[*i], *i moved past it; 0 if there is none */
static int read_octet(const uint8_t *c, int64_t len, int64_t *i)
{
    int64_t nd = 0, v = 0;
    while (*i < len && nd < 3 && is_digit(c[*i])) {
        v = v * 10 + (c[*i] - '0');
        (*i)++;
        nd++;
    }
    return nd > 0 && v <= 255;
}

/* suppress.NETWORK_LABEL_RE on a registered label: [a-z]{1,P}-? then three or four decimal octets
 * <= 255 joined by '-', nothing after them */
static int network_label(const uint8_t *c, int64_t len, int64_t max_prefix)
{
    int64_t i = 0;
    while (i < len && c[i] >= 'a' && c[i] <= 'z')
        i++;
    if (i == 0 || i > max_prefix)
        return 0;
    if (i < len && c[i] == '-')
        i++;
    for (int oct = 1;; oct++) {
        if (!read_octet(c, len, &i))
            return 0;
        if (i == len)
            return oct >= 3;
        if (c[i] != '-' || oct == 4)
            return 0;
        i++;
    }
}

/* suppress.ADDRESS_LABEL_RE on one label: [a-z]{1,P}-? then four decimal octets <= 255 joined by
 * '-', then an optional '-' and 1..S letters or digits */
static int address_label(const uint8_t *c, int64_t len, int64_t max_prefix, int64_t max_suffix)
{
    int64_t i = 0;
    while (i < len && c[i] >= 'a' && c[i] <= 'z')
        i++;
    if (i > max_prefix)
        return 0;
    if (i > 0 && i < len && c[i] == '-')
        i++;
    for (int oct = 0; oct < 4; oct++) {
        if (oct > 0) {
            if (i >= len || c[i] != '-')
                return 0;
            i++;
        }
        if (!read_octet(c, len, &i))
            return 0;
    }
    if (i == len)
        return 1;
    if (c[i] != '-')
        return 0;
    const int64_t rest = len - i - 1;
    if (rest < 1 || rest > max_suffix)
        return 0;
    for (int64_t j = i + 1; j < len; j++)
        if (!((c[j] >= 'a' && c[j] <= 'z') || is_digit(c[j])))
            return 0;
    return 1;
}

static PyObject *py_suppress(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_lower, *o_ls, *o_le, *o_rfl, *o_nlab, *o_regl, *o_g, *o_zkeys, *o_zcode, *o_arpa, *o_svck,
        *o_svcc;
    PyObject *o_itld, *o_izone, *o_pkeys, *o_winp, *o_winl, *o_consts, *o_fam, *o_reason;
    int zshift, zzero_code, pshift, pzero;
    BufSet bs = {.n = 0};
    const uint8_t *data, *lower, *svck, *winp;
    const int64_t *ls, *le, *rfl, *regl, *winl;
    const int32_t *nlab;
    const uint64_t *g, *zkeys, *arpa, *itld, *izone, *pkeys;
    const int16_t *zcode_raw, *svcc, *consts;
    int16_t *fam, *reason;
    Py_ssize_t nb, nl, n, nz, n_arpa, nsvc_b, nsvc, n_itld, n_izone, np_, nwin_b, nwin, nconst;
    const char *err = NULL;

    if (!PyArg_ParseTuple(args, "OOOOOOOOOOiiOOOOOOiiOOOOO:suppress", &o_data, &o_lower, &o_ls, &o_le, &o_rfl, &o_nlab,
                          &o_regl, &o_g, &o_zkeys, &o_zcode, &zshift, &zzero_code, &o_arpa, &o_svck, &o_svcc, &o_itld,
                          &o_izone, &o_pkeys, &pshift, &pzero, &o_winp, &o_winl, &o_consts, &o_fam, &o_reason))
        return NULL;
    ACQ(o_lower, K_U8, 0, -1, lower, &nb, "lower");
    ACQ(o_data, K_U8, 0, nb, data, NULL, "data");
    ACQ(o_ls, K_I64, 0, -1, ls, &nl, "label_start");
    ACQ(o_le, K_I64, 0, nl, le, NULL, "label_end");
    ACQ(o_g, K_U64, 0, nl, g, NULL, "suffix_hash");
    ACQ(o_rfl, K_I64, 0, -1, rfl, &n, "row_first_label");
    ACQ(o_nlab, K_I32, 0, n, nlab, NULL, "n_labels");
    ACQ(o_regl, K_I64, 0, n, regl, NULL, "reg_label");
    ACQ(o_zkeys, K_U64, 0, -1, zkeys, &nz, "zone_keys");
    ACQ(o_zcode, K_I16, 0, nz, zcode_raw, NULL, "zone_codes");
    ACQ(o_arpa, K_U64, 0, 2, arpa, &n_arpa, "arpa");
    ACQ(o_svck, K_U8, 0, -1, svck, &nsvc_b, "service_keys");
    ACQ(o_svcc, K_I16, 0, -1, svcc, &nsvc, "service_codes");
    ACQ(o_itld, K_U64, 0, -1, itld, &n_itld, "internal_tlds");
    ACQ(o_izone, K_U64, 0, -1, izone, &n_izone, "internal_zones");
    ACQ(o_pkeys, K_U64, 0, -1, pkeys, &np_, "private_keys");
    ACQ(o_winp, K_U8, 0, -1, winp, &nwin_b, "windows_prefixes");
    ACQ(o_winl, K_I64, 0, -1, winl, &nwin, "windows_prefix_lengths");
    ACQ(o_consts, K_I16, 0, C_N, consts, &nconst, "constants");
    ACQ(o_fam, K_I16, 1, n, fam, NULL, "fam");
    ACQ(o_reason, K_I16, 1, n, reason, NULL, "reason");
    const Py_ssize_t svc_w = consts[C_SVC_WIDTH], win_len = consts[C_WIN_LEN];
    Py_ssize_t win_total = 0;
    for (Py_ssize_t i = 0; i < nwin; i++)
        win_total += (winl[i] >= 0 && winl[i] <= win_len) ? winl[i] : -1 - nwin_b;
    if (svc_w < 2 || nsvc * svc_w != nsvc_b || win_total != nwin_b || nb < 1 || nz < 1 || (nz & (nz - 1)) ||
        np_ < 1 || (np_ & (np_ - 1)) || ((uint64_t)1 << (64 - zshift)) != (uint64_t)nz ||
        ((uint64_t)1 << (64 - pshift)) != (uint64_t)np_) {
        PyErr_SetString(PyExc_ValueError, "suppress: inconsistent tables");
        goto fail;
    }

    Py_BEGIN_ALLOW_THREADS
    const uint64_t zmask = (uint64_t)nz - 1, pmask = (uint64_t)np_ - 1;
    const int64_t last_byte = nb - 1;
    for (Py_ssize_t r = 0; r < n && !err; r++) {
        const int64_t first = rfl[r], cnt = nlab[r], last = first + cnt - 1;
        if (cnt < 1 || first < 0 || last >= nl) {
            err = ERR_LABELS;
            break;
        }
        int16_t f = -1, why = -1;
        /* zones: the last label (the shortest zone) whose suffix hash is a zone's */
        for (int64_t k = first; k <= last; k++) {
            const int64_t slot = set_slot(g[k], zkeys, zmask, zshift, zzero_code >= 0);
            const int code = slot >= 0 ? zcode_raw[slot] : slot == -2 ? zzero_code : -1;
            if (code >= 0) {
                f = (int16_t)(code + consts[C_ZONE_FAM0]);
                why = (int16_t)code;
            }
        }
        /* reverse DNS: <= 4 numeric labels of 1-3 digits under in-addr.arpa, <= 32 single hex nibbles
         * under ip6.arpa */
        if (cnt >= 3) {
            const uint64_t zh = g[first + cnt - 2];
            const int v4 = zh == arpa[0], v6 = !v4 && zh == arpa[1];
            if (v4 || v6) {
                int ok = cnt <= (v4 ? 6 : 34);
                for (int64_t k = first; ok && k <= first + cnt - 3; k++) {
                    const int64_t len = le[k] - ls[k];
                    ok = v4 ? (len >= 1 && len <= 3) : len == 1;
                    for (int64_t j = 0; ok && j < 3 && j < len; j++) {
                        const uint8_t c = lower[ls[k] + j < last_byte ? ls[k] + j : last_byte];
                        ok = v4 ? is_digit(c) : is_hex_lower(c);
                    }
                }
                if (ok) {
                    f = (int16_t)consts[C_FAM_REVERSE];
                    why = consts[C_R_REVERSE];
                }
            }
        }
        /* DNSBL-style look-ups: the first four labels are 1-3 digits each */
        if (cnt >= 6 && f < 0) {
            int ok = 1;
            for (int64_t k = first; ok && k < first + 4; k++) {
                const int64_t len = le[k] - ls[k];
                ok = len >= 1 && len <= 3;
                for (int64_t j = 0; ok && j < len; j++)
                    ok = is_digit(lower[ls[k] + j < last_byte ? ls[k] + j : last_byte]);
            }
            if (ok) {
                f = (int16_t)consts[C_FAM_DNSBL];
                why = consts[C_R_DNSBL];
            }
        }
        /* service labels: the first underscore label that is a known one */
        for (int64_t k = first; k <= last; k++) {
            if (lower[ls[k] < last_byte ? ls[k] : last_byte] != '_')
                continue;
            const int64_t len = le[k] - ls[k];
            if (len >= svc_w - 1)
                continue;
            int16_t code = -1;
            for (Py_ssize_t i = 0; i < nsvc && code < 0; i++) {
                const uint8_t *key = svck + i * svc_w;
                if (key[svc_w - 1] == (uint8_t)len && memcmp(key, lower + ls[k], (size_t)len) == 0)
                    code = svcc[i];
            }
            if (code >= 0) {
                if (f < 0) {
                    f = (int16_t)consts[C_FAM_SERVICE];
                    why = code;
                }
                break;
            }
        }
        /* single-label names */
        if (cnt == 1 && f < 0) {
            f = (int16_t)consts[C_FAM_SINGLE];
            why = consts[C_R_SINGLE];
        }
        /* internal-only zones */
        if (f < 0 && (in_list(g[last], itld, n_itld) || (cnt >= 2 && in_list(g[first + cnt - 2], izone, n_izone)))) {
            f = (int16_t)consts[C_FAM_INTERNAL];
            why = consts[C_R_INTERNAL];
        }
        /* Windows default computer names: first label of WIN_LEN characters, a known prefix, then
         * letters and digits */
        if (f < 0 && cnt >= 2 && le[first] - ls[first] == win_len) {
            const uint8_t *c = lower + ls[first];
            int ok = 0;
            for (Py_ssize_t i = 0, off = 0; i < nwin && !ok; off += winl[i], i++) {
                if (memcmp(c, winp + off, (size_t)winl[i]) != 0)
                    continue;
                ok = 1;
                for (int64_t j = winl[i]; ok && j < win_len; j++)
                    ok = (c[j] >= 'a' && c[j] <= 'z') || is_digit(c[j]);
            }
            if (ok) {
                f = (int16_t)consts[C_FAM_WINHOST];
                why = consts[C_R_WINHOST];
            }
        }
        /* UUID labels */
        if (f < 0) {
            for (int64_t k = first; k <= last; k++) {
                if (le[k] - ls[k] != 36)
                    continue;
                const uint8_t *c = lower + ls[k];
                int ok = 1;
                for (int j = 0; ok && j < 36; j++)
                    ok = (j == 8 || j == 13 || j == 18 || j == 23) ? c[j] == '-' : is_hex_lower(c[j]);
                if (ok) {
                    f = (int16_t)consts[C_FAM_RESOURCE];
                    why = consts[C_R_UUID];
                    break;
                }
            }
        }
        /* hex resource ids registered under a hosting provider's (private) suffix */
        const int64_t rl = regl[r];
        if (f < 0 && rl >= 0) {
            if (rl < first || rl >= last) {
                err = ERR_LABELS;
                break;
            }
            const int64_t len = le[rl] - ls[rl];
            if (len >= 8 && len <= 40 && set_slot(g[rl + 1], pkeys, pmask, pshift, pzero) != -1) {
                const uint8_t *c = lower + ls[rl];
                int ok = 1, digit = 0;
                for (int64_t j = 0; ok && j < len; j++) {
                    ok = is_hex_lower(c[j]);
                    digit |= is_digit(c[j]);
                }
                if (ok && digit) {
                    f = (int16_t)consts[C_FAM_RESOURCE];
                    why = consts[C_R_HEX_ID];
                }
            }
        }
        /* host names made of an IPv4 address, with a few short labels before the registered domain */
        if (f < 0 && rl > first) {
            const int64_t len = le[first] - ls[first];
            const int ok = len >= 7 && len <= 48 && few_short_labels(ls, le, first + 1, rl, consts);
            if (ok && address_label(lower + ls[first], len, consts[C_ADDR_PREFIX], consts[C_ADDR_SUFFIX])) {
                f = (int16_t)consts[C_FAM_ADDR];
                why = consts[C_R_ADDR];
            }
        }
        /* registered domains named after an IPv4 network (ip-144-217-85.net), with a few short host
         * labels before them */
        if (f < 0 && rl >= 0 && rl >= first) {
            const int64_t len = le[rl] - ls[rl];
            const int ok = len >= 6 && len <= consts[C_ADDR_PREFIX] + 16 && few_short_labels(ls, le, first, rl, consts);
            if (ok && network_label(lower + ls[rl], len, consts[C_ADDR_PREFIX])) {
                f = (int16_t)consts[C_FAM_ADDR];
                why = consts[C_R_ADDR_NET];
            }
        }
        /* computer names in a site/type/asset-tag convention: the host label of a longer name */
        if (f < 0 && rl > first) {
            const int64_t len = le[first] - ls[first];
            if (len >= consts[C_ASSET_TAG_MIN] + 2 && len <= win_len &&
                asset_tag_label(lower + ls[first], data + ls[first], len, consts)) {
                f = (int16_t)consts[C_FAM_WINHOST];
                why = consts[C_R_ASSET];
            }
        }
        fam[r] = f;
        reason[r] = why;
    }
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* hash_build: names._HashSet's table: every non-zero value at the first free slot from its own   */

static PyObject *py_hash_build(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_vals, *o_keys, *o_pos;
    int shift;
    BufSet bs = {.n = 0};
    const uint64_t *vals;
    uint64_t *keys;
    int32_t *pos;
    Py_ssize_t n, nk;
    int full = 0;

    if (!PyArg_ParseTuple(args, "OOOi:hash_build", &o_vals, &o_keys, &o_pos, &shift))
        return NULL;
    ACQ(o_vals, K_U64, 0, -1, vals, &n, "values");
    ACQ(o_keys, K_U64, 1, -1, keys, &nk, "keys");
    ACQ(o_pos, K_I32, 1, nk, pos, NULL, "pos");
    if (nk < 1 || (nk & (nk - 1)) != 0 || shift < 1 || shift > 63 || ((uint64_t)1 << (64 - shift)) != (uint64_t)nk ||
        n >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "keys must have 2**(64 - shift) slots, values fewer than 2**31 - 1 items");
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS
    /* keys (all 0 = empty) and pos (all -1) come initialised; values are distinct; 0 is the empty
     * marker and is not stored (callers answer it themselves) */
    const uint64_t mask = (uint64_t)nk - 1;
    Py_ssize_t stored = 0;
    for (Py_ssize_t i = 0; i < n && !full; i++) {
        const uint64_t v = vals[i];
        if (v == 0)
            continue;
        if (++stored > nk) {
            full = 1;
            break;
        }
        uint64_t slot = (v * GOLDEN) >> shift;
        while (keys[slot] != 0)
            slot = (slot + 1) & mask;
        keys[slot] = v;
        pos[slot] = (int32_t)i;
    }
    Py_END_ALLOW_THREADS
    if (full) {
        PyErr_SetString(PyExc_ValueError, "more values than slots");
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* hash_probe: names._HashSet._probe, the slot of each value in an open-addressing table           */

static PyObject *py_hash_probe(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_keys, *o_vals, *o_out;
    int shift;
    BufSet bs = {.n = 0};
    const uint64_t *keys, *vals;
    int64_t *out;
    Py_ssize_t nk, n;

    if (!PyArg_ParseTuple(args, "OiOO:hash_probe", &o_keys, &shift, &o_vals, &o_out))
        return NULL;
    ACQ(o_keys, K_U64, 0, -1, keys, &nk, "keys");
    ACQ(o_vals, K_U64, 0, -1, vals, &n, "values");
    ACQ(o_out, K_I64, 1, n, out, NULL, "out");
    if (nk < 1 || (nk & (nk - 1)) != 0 || shift < 1 || shift > 63 || ((uint64_t)1 << (64 - shift)) != (uint64_t)nk) {
        PyErr_SetString(PyExc_ValueError, "keys must have 2**(64 - shift) slots");
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS
    const uint64_t mask = (uint64_t)nk - 1;
    for (Py_ssize_t i = 0; i < n; i++)
        out[i] = probe_slot(vals[i], keys, mask, shift);
    Py_END_ALLOW_THREADS
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* hash_spans: names.hash_spans's polynomial hash of byte ranges                                   */

/* case_shape: features.word_cased's NumPy code, one pass per span */
static PyObject *py_case_shape(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_starts, *o_ends, *o_worded, *o_mix;
    BufSet bs = {.n = 0};
    const uint8_t *data;
    const int64_t *starts, *ends;
    uint8_t *worded, *mix;
    Py_ssize_t nb, n;
    int bad = 0;

    if (!PyArg_ParseTuple(args, "OOOOO:case_shape", &o_data, &o_starts, &o_ends, &o_worded, &o_mix))
        return NULL;
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_starts, K_I64, 0, -1, starts, &n, "starts");
    ACQ(o_ends, K_I64, 0, n, ends, NULL, "ends");
    ACQ(o_worded, K_BOOL, 1, n, worded, NULL, "out_worded");
    ACQ(o_mix, K_BOOL, 1, n, mix, NULL, "out_label_mix");
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        const int64_t s = starts[i], e = ends[i];
        if (s < 0 || e > nb) {
            bad = 1;
            break;
        }
        int ok = 1, mixed = 0;
        int run_up = 0, run_low = 0, run_bad = 0, lab_up = 0, lab_low = 0;
        for (int64_t j = s; j <= e; j++) {
            const uint8_t c = j < e ? data[j] : '.';
            const int up = c >= 'A' && c <= 'Z', low = c >= 'a' && c <= 'z';
            if (up || low) {
                run_up |= up;
                run_low |= low;
                lab_up |= up;
                lab_low |= low;
                /* a capital starts a word of at least three letters: two lower-case letters follow */
                if (up && !(j + 2 < e && data[j + 1] >= 'a' && data[j + 1] <= 'z' && data[j + 2] >= 'a' &&
                            data[j + 2] <= 'z'))
                    run_bad = 1;
                continue;
            }
            if (run_up && run_low && run_bad)
                ok = 0;
            run_up = run_low = run_bad = 0;
            if (c == '.') {
                mixed |= lab_up && lab_low;
                lab_up = lab_low = 0;
            }
        }
        worded[i] = (uint8_t)ok;
        mix[i] = (uint8_t)mixed;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "case_shape: a span lies outside the data");
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

static PyObject *py_hash_spans(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_starts, *o_ends, *o_pow, *o_out;
    BufSet bs = {.n = 0};
    const uint8_t *data;
    const int64_t *starts, *ends;
    const uint64_t *pw;
    uint64_t *out;
    Py_ssize_t nb, n, npow;
    int bad = 0;

    if (!PyArg_ParseTuple(args, "OOOOO:hash_spans", &o_data, &o_starts, &o_ends, &o_pow, &o_out))
        return NULL;
    ACQ(o_data, K_U8, 0, -1, data, &nb, "data");
    ACQ(o_starts, K_I64, 0, -1, starts, &n, "starts");
    ACQ(o_ends, K_I64, 0, n, ends, NULL, "ends");
    ACQ(o_pow, K_U64, 0, -1, pw, &npow, "powers");
    ACQ(o_out, K_U64, 1, n, out, NULL, "out");
    if (npow < 1) {
        PyErr_SetString(PyExc_ValueError, "powers must not be empty");
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS
    /* sum of byte * powers[min(distance from the span's last byte, len(powers) - 1)], wrapping
     * modulo 2**64 as the NumPy reference does; Horner's rule while the distance fits the table */
    for (Py_ssize_t i = 0; i < n; i++) {
        const int64_t s = starts[i], e = ends[i];
        if (s < 0 || e < s || e > nb) {
            bad = 1;
            break;
        }
        uint64_t h = 0;
        int64_t j = s;
        for (; j < e && e - 1 - j >= npow; j++)
            h += (uint64_t)data[j] * pw[npow - 1];
        const uint64_t base = npow > 1 ? pw[1] : 0;
        uint64_t tail = 0;
        for (; j < e; j++)
            tail = tail * base + data[j];
        out[i] = h + tail;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "spans must lie within the data (0 <= start <= end <= len(data))");
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* decide: score._decide_numpy (per-name verdict, scores and reason flags) in one pass per name */

/* bits of `why`, in score.WHY order */
enum {
    W_EMPTY, W_CTRL, W_EMPTY_LABEL, W_SUPPRESSED, W_PAYLOAD, W_DNSCAT, W_IODINE, W_NO_TLD, W_TUNNEL_SUSP, W_HEX,
    W_B32, W_B64, W_NONASCII, W_OVER, W_DGA, W_DGA_SUSP, W_ALT_TLD, W_POPULAR, W_VETTED, W_SHAPED, W_CANDIDATE,
    W_INVALID, W_HAS_SUB, W_EXFIL_INIT, W_N
};

/* float constants, in score._decide_constants() order */
enum {
    D_LOG2_UNIFORM, D_TUNNEL_BITS, D_TUNNEL_MIN_LEN, D_SUSP_BITS, D_SUSP_MIN_LEN, D_DGA_BITS, D_MAX_LABEL,
    D_V_TUNNEL, D_V_DGA, D_V_SUSPICIOUS, D_V_BENIGN, D_V_INVALID, D_BENIGN_LO, D_BENIGN_HI, D_SUSP_LO, D_SUSP_HI,
    D_DGA_LO, D_TUNNEL_LO, D_N
};

/* NumPy's maximum / minimum: a NaN operand wins (the constants here are never NaN) */
static inline double np_max(double a, double b)
{
    return (isnan(a) || a >= b) ? a : b;
}

static inline double np_min(double a, double b)
{
    return (isnan(a) || a <= b) ? a : b;
}

/* score._sigmoid: 1 / (1 + exp(-clip(x, -700, 700))); np.clip = minimum(maximum(x, lo), hi) */
static inline double sigmoid_clipped(double x)
{
    const double c = np_min(np_max(x, -700.0), 700.0);
    return 1.0 / (1.0 + exp(-c));
}

/* first label of the row equals `word` (lower case) */
static inline int first_label_is(const uint8_t *lower, int64_t start, int64_t stop, const char *word, int64_t len)
{
    if (stop - start != len)
        return 0;
    return memcmp(lower + start, word, (size_t)len) == 0;
}

/* score._iodine_version_query on one first label */
static inline int iodine_version(const uint8_t *c, int64_t len)
{
    if (len != 11 || c[0] != 'v' || c[1] != 'a' || c[2] != 'a' || c[3] != 'a' || c[4] != 'a' ||
        (c[5] != 'k' && c[5] != 'i') || c[6] != 'a')
        return 0;
    for (int i = 7; i < 11; i++)
        if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '5')))
            return 0;
    return 1;
}

/* score._dnsexfiltrator_init on one name: labels init.<base32, >= 8>.base32|base64. ahead of the
 * registered label (cnt: the name's labels from `first`; rl: its registered label or -1) */
static int exfil_init(const uint8_t *lower, const int64_t *ls, const int64_t *le, int64_t first, int64_t cnt,
                      int64_t rl)
{
    if (cnt < 4 || (rl >= 0 && rl <= first + 2) || !first_label_is(lower, ls[first], le[first], "init", 4))
        return 0;
    const int64_t a = ls[first + 1], b = le[first + 1];
    if (b - a < 8)
        return 0;
    for (int64_t j = a; j < b; j++)
        if (!((lower[j] >= 'a' && lower[j] <= 'z') || (lower[j] >= '2' && lower[j] <= '7')))
            return 0;
    return first_label_is(lower, ls[first + 2], le[first + 2], "base32", 6) ||
           first_label_is(lower, ls[first + 2], le[first + 2], "base64", 6);
}

static PyObject *py_decide(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o[43];
    BufSet bs = {.n = 0};
    const int64_t *raw_len, *n_ctrl, *n_empty, *sub_len, *sub_lp_n, *reg_lp_n, *reg_alpha, *reg_len, *nonascii;
    const int64_t *name_len, *suffix_len, *reg_label, *reg_start, *rfl, *ls, *le;
    const int32_t *b64x, *sub_upper, *sub_lower, *sub_hex, *sub_digits, *sub_b32, *nlab;
    const int16_t *fam;
    const uint8_t *over_in, *popular, *vetted, *alt_in, *tld_known, *lower;
    const double *sub_lp, *reg_lp, *log2_alpha, *dga_tab, *susp_tab, *k;
    int8_t *verdict;
    uint32_t *why;
    double *score, *tunnel_score, *dga_score, *sub_bits_out, *reg_bits_out;
    Py_ssize_t n, nl, nb, n_alpha;
    int bad = 0;

    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOOO:decide", &o[0], &o[1], &o[2], &o[3],
                          &o[4], &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13], &o[14], &o[15],
                          &o[16], &o[17], &o[18], &o[19], &o[20], &o[21], &o[22], &o[23], &o[24], &o[25], &o[26],
                          &o[27], &o[28], &o[29], &o[30], &o[31], &o[32], &o[33], &o[34], &o[35], &o[36], &o[37],
                          &o[38], &o[39], &o[40], &o[41], &o[42]))
        return NULL;
    ACQ(o[0], K_I64, 0, -1, raw_len, &n, "raw_len");
    ACQ(o[1], K_I64, 0, n, n_ctrl, NULL, "n_ctrl");
    ACQ(o[2], K_I64, 0, n, n_empty, NULL, "n_empty_labels");
    ACQ(o[3], K_BOOL, 0, n, over_in, NULL, "lengths_over");
    ACQ(o[4], K_I16, 0, n, fam, NULL, "fam");
    ACQ(o[5], K_BOOL, 0, n, popular, NULL, "popular");
    ACQ(o[6], K_BOOL, 0, n, vetted, NULL, "vetted");
    ACQ(o[7], K_BOOL, 0, n, alt_in, NULL, "alt_tld");
    ACQ(o[8], K_I64, 0, n, sub_len, NULL, "sub_len");
    ACQ(o[9], K_F64, 0, n, sub_lp, NULL, "sub_lp");
    ACQ(o[10], K_I64, 0, n, sub_lp_n, NULL, "sub_lp_n");
    ACQ(o[11], K_F64, 0, n, reg_lp, NULL, "reg_lp");
    ACQ(o[12], K_I64, 0, n, reg_lp_n, NULL, "reg_lp_n");
    ACQ(o[13], K_I64, 0, n, reg_alpha, NULL, "reg_alphabet");
    ACQ(o[14], K_I64, 0, n, reg_len, NULL, "reg_len");
    ACQ(o[15], K_I64, 0, n, nonascii, NULL, "n_nonascii");
    ACQ(o[16], K_I32, 0, n, b64x, NULL, "sub_b64extra");
    ACQ(o[17], K_I32, 0, n, sub_upper, NULL, "sub_upper");
    ACQ(o[18], K_I32, 0, n, sub_lower, NULL, "sub_lower");
    ACQ(o[19], K_I32, 0, n, sub_hex, NULL, "sub_hex");
    ACQ(o[20], K_I32, 0, n, sub_digits, NULL, "sub_digits");
    ACQ(o[21], K_I32, 0, n, sub_b32, NULL, "sub_b32");
    ACQ(o[22], K_I64, 0, n, name_len, NULL, "name_len");
    ACQ(o[23], K_I64, 0, n, suffix_len, NULL, "suffix_len");
    ACQ(o[24], K_I64, 0, n, reg_label, NULL, "reg_label");
    ACQ(o[25], K_I64, 0, n, reg_start, NULL, "reg_start");
    ACQ(o[26], K_BOOL, 0, n, tld_known, NULL, "tld_known");
    ACQ(o[27], K_I32, 0, n, nlab, NULL, "n_labels");
    ACQ(o[28], K_I64, 0, n, rfl, NULL, "row_first_label");
    ACQ(o[29], K_I64, 0, -1, ls, &nl, "label_start");
    ACQ(o[30], K_I64, 0, nl, le, NULL, "label_end");
    ACQ(o[31], K_U8, 0, -1, lower, &nb, "lower");
    ACQ(o[32], K_F64, 0, -1, log2_alpha, &n_alpha, "log2_alphabet");
    ACQ(o[33], K_F64, 0, 64, dga_tab, NULL, "dga_bars");
    ACQ(o[34], K_F64, 0, 64, susp_tab, NULL, "susp_bars");
    ACQ(o[35], K_F64, 0, D_N, k, NULL, "constants");
    ACQ(o[36], K_I8, 1, n, verdict, NULL, "verdict");
    ACQ(o[37], K_U32, 1, n, why, NULL, "why");
    ACQ(o[38], K_F64, 1, n, score, NULL, "score");
    ACQ(o[39], K_F64, 1, n, tunnel_score, NULL, "tunnel_score");
    ACQ(o[40], K_F64, 1, n, dga_score, NULL, "dga_score");
    ACQ(o[41], K_F64, 1, n, sub_bits_out, NULL, "sub_bits");
    ACQ(o[42], K_F64, 1, n, reg_bits_out, NULL, "reg_bits");

    Py_BEGIN_ALLOW_THREADS
    const double LOG2_UNIFORM = k[D_LOG2_UNIFORM], TUNNEL_BITS = k[D_TUNNEL_BITS], SUSP_BITS = k[D_SUSP_BITS];
    const int64_t TUNNEL_MIN_LEN = (int64_t)k[D_TUNNEL_MIN_LEN], SUSP_MIN_LEN = (int64_t)k[D_SUSP_MIN_LEN];
    const int64_t MAX_LABEL = (int64_t)k[D_MAX_LABEL];
    const double DGA_CAP = 2 * k[D_DGA_BITS];
    const int8_t V_TUNNEL = (int8_t)k[D_V_TUNNEL], V_DGA = (int8_t)k[D_V_DGA], V_SUSP = (int8_t)k[D_V_SUSPICIOUS];
    const int8_t V_BENIGN = (int8_t)k[D_V_BENIGN], V_INVALID = (int8_t)k[D_V_INVALID];
    const double BEN_LO = k[D_BENIGN_LO], BEN_W = (k[D_BENIGN_HI] - k[D_BENIGN_LO]) * 0.999;
    const double SUS_LO = k[D_SUSP_LO], SUS_W = (k[D_SUSP_HI] - k[D_SUSP_LO]) * 0.999;
    const double DGA_LO = k[D_DGA_LO], TUN_LO = k[D_TUNNEL_LO];
    for (Py_ssize_t r = 0; r < n; r++) {
        const int64_t first = rfl[r], cnt = nlab[r];
        const int64_t slen = sub_len[r], rlen = reg_len[r], na = nonascii[r], b64 = b64x[r];
        if (first < 0 || cnt < 0 || first + cnt > nl || reg_alpha[r] < 0 || reg_alpha[r] >= n_alpha) {
            bad = 1;
            break;
        }
        const int empty = raw_len[r] == 0;
        const int has_ctrl = n_ctrl[r] > 0 && !empty;
        const int empty_label = n_empty[r] > 0 && !empty;
        const int invalid = empty || has_ctrl || empty_label;
        const int suppressed = fam[r] >= 0 && !invalid;
        const double sub_bits = -(sub_lp[r] + (double)sub_lp_n[r] * LOG2_UNIFORM);
        const double reg_bits = -(reg_lp[r] + (double)reg_lp_n[r] * log2_alpha[reg_alpha[r]]);
        int has_sub = slen > 0;
        int is_idn = 0;
        const int64_t rs = reg_start[r];
        if (rs >= 0 && rs + 4 <= nb)
            is_idn = lower[rs] == 'x' && lower[rs + 1] == 'n' && lower[rs + 2] == '-' && lower[rs + 3] == '-';
        const int over = over_in[r] && !invalid;
        const int mixed_case = sub_upper[r] >= 3 && sub_lower[r] >= 3;
        const double tunnel_bits = sub_bits + (na >= 4 ? (double)na * 2.0 : 0.0);
        int tunnel_name = has_sub && ((slen >= TUNNEL_MIN_LEN && tunnel_bits >= TUNNEL_BITS) ||
                                      (slen >= 40 && (mixed_case || b64 > 0 || na >= 4)) || (over && slen >= 40));
        const int hex_poll = sub_hex[r] == slen && slen >= 16 && sub_digits[r] >= 2 && sub_hex[r] - sub_digits[r] >= 2;
        const int mixed_poll = slen >= 8 && sub_upper[r] >= 2 && sub_lower[r] >= 2 && sub_digits[r] >= 1;
        int tunnel_susp = has_sub && !tunnel_name &&
                          ((slen >= SUSP_MIN_LEN && tunnel_bits >= SUSP_BITS) || b64 > 0 || na >= 4 || hex_poll ||
                           mixed_poll);
        /* an all-digit registered label (alphabet 10: 227237.com) is a number, not a generated name */
        const int dga_ok =
            reg_label[r] >= 0 && !is_idn && !popular[r] && !vetted[r] && rlen <= MAX_LABEL && reg_alpha[r] != 10;
        const int64_t at = rlen < 63 ? rlen : 63;
        const double dga_bar = dga_tab[at < 0 ? 0 : at], susp_bar = susp_tab[at < 0 ? 0 : at];
        int dga_name = dga_ok && reg_bits >= dga_bar && !tunnel_name;
        int dga_susp = dga_ok && !dga_name && reg_bits >= susp_bar;
        const double all_bits = sub_bits + reg_bits;
        const int no_tld = !tld_known[r] && cnt >= 2 && (name_len[r] - suffix_len[r]) >= TUNNEL_MIN_LEN;
        int no_tld_tunnel = no_tld && all_bits >= TUNNEL_BITS && !tunnel_name;
        if (no_tld_tunnel && cnt == 2 && suffix_len[r] <= 6) {
            /* one random label under an alternative root's word-like TLD: judged as a DGA candidate */
            const int64_t a = ls[first + cnt - 1], b = le[first + cnt - 1];
            if (a < 0 || b < a || b > nb) {
                bad = 1;
                break;
            }
            int letters = b > a;
            for (int64_t j = a; j < b && letters; j++)
                letters = lower[j] >= 'a' && lower[j] <= 'z';
            if (letters)
                no_tld_tunnel = 0;
        }
        int dnscat = 0, iodine = 0, exfil = 0;
        if (cnt >= 2) {
            const int64_t a = ls[first], b = le[first];
            if (a < 0 || b < a || b > nb) {
                bad = 1;
                break;
            }
            dnscat = first_label_is(lower, a, b, "dnscat", 6);
            iodine = iodine_version(lower + a, b - a);
            for (int64_t k = first + 1; k < first + cnt && k <= first + 2; k++)
                if (ls[k] < 0 || le[k] < ls[k] || le[k] > nb) {
                    bad = 1;
                    break;
                }
            if (bad)
                break;
            exfil = exfil_init(lower, ls, le, first, cnt, reg_label[r]);
        }
        dnscat = dnscat || iodine || exfil;
        const int payload = tunnel_name;
        tunnel_name = tunnel_name || no_tld_tunnel || dnscat;
        dga_name = dga_name && !tunnel_name;
        dga_susp = dga_susp && !tunnel_name;
        tunnel_susp = tunnel_susp && !tunnel_name;

        double ts = has_sub ? sigmoid_clipped((tunnel_bits - TUNNEL_BITS) / 6.0) : 0.0;
        if (tunnel_name)
            ts = np_max(ts, 0.8);
        has_sub = has_sub || no_tld_tunnel || dnscat;
        double ds = dga_ok ? sigmoid_clipped((reg_bits - np_min(dga_bar, DGA_CAP)) / 3.0) : 0.0;
        if (dga_name)
            ds = np_max(ds, 0.8);
        double sc = np_max(ts, ds);
        int8_t v = V_BENIGN;
        if (tunnel_susp || dga_susp)
            v = V_SUSP;
        if (dga_name)
            v = V_DGA;
        if (tunnel_name)
            v = V_TUNNEL;
        if (over && v == V_BENIGN) {
            v = V_SUSP;
            sc = np_max(sc, 0.6);
        }
        const int alt_tld = alt_in[r] && cnt >= 2 && !invalid;
        if (alt_tld && v == V_BENIGN) {
            v = V_SUSP;
            sc = np_max(sc, 0.6);
        }
        if (suppressed) {
            v = V_BENIGN;
            sc = np_min(sc, 0.1);
        }
        if (invalid)
            v = V_INVALID;
        /* score.banded_score */
        const double raw = np_min(np_max(sc, 0.0), 1.0);
        double banded = 0.0;
        if (v == V_DGA)
            banded = np_max(raw, DGA_LO);
        else if (v == V_TUNNEL)
            banded = np_max(raw, TUN_LO);
        else if (v == V_SUSP)
            banded = SUS_LO + SUS_W * raw;
        else if (v == V_BENIGN)
            banded = BEN_LO + BEN_W * raw;

        const int ok = !suppressed && !invalid;
        const int flagged = tunnel_name || tunnel_susp;
        /* an encoding reason only where its own evidence holds (score._decide_numpy) */
        const int hexy = has_sub && hex_poll && flagged;
        const int b32 = has_sub && !hexy && sub_b32[r] == slen && sub_digits[r] > 0 && flagged;
        const int b64s = has_sub && (mixed_case || b64 > 0) && flagged;
        const int benign_left = !invalid && !suppressed && v == V_BENIGN;
        uint32_t w = 0;
        w |= (uint32_t)empty << W_EMPTY;
        w |= (uint32_t)has_ctrl << W_CTRL;
        w |= (uint32_t)(empty_label && !empty) << W_EMPTY_LABEL;
        w |= (uint32_t)suppressed << W_SUPPRESSED;
        w |= (uint32_t)(payload && sub_bits >= TUNNEL_BITS && ok) << W_PAYLOAD;
        w |= (uint32_t)(dnscat && !iodine && !exfil && !invalid) << W_DNSCAT;
        w |= (uint32_t)(iodine && !invalid) << W_IODINE;
        w |= (uint32_t)(no_tld_tunnel && !dnscat && !invalid) << W_NO_TLD;
        w |= (uint32_t)(tunnel_susp && ok) << W_TUNNEL_SUSP;
        w |= (uint32_t)(hexy && ok) << W_HEX;
        w |= (uint32_t)(b32 && ok) << W_B32;
        w |= (uint32_t)(b64s && ok) << W_B64;
        w |= (uint32_t)(na > 0 && !invalid) << W_NONASCII;
        w |= (uint32_t)over << W_OVER;
        w |= (uint32_t)(dga_name && ok) << W_DGA;
        w |= (uint32_t)(dga_susp && ok) << W_DGA_SUSP;
        w |= (uint32_t)(alt_tld && !suppressed) << W_ALT_TLD;
        w |= (uint32_t)(popular[r] && benign_left) << W_POPULAR;
        w |= (uint32_t)(vetted[r] && benign_left && reg_bits >= susp_bar) << W_VETTED;
        w |= (uint32_t)(reg_label[r] >= 0 && ok) << W_SHAPED;
        w |= (uint32_t)(dga_ok && !tunnel_name) << W_CANDIDATE;
        w |= (uint32_t)invalid << W_INVALID;
        w |= (uint32_t)has_sub << W_HAS_SUB;
        w |= (uint32_t)(exfil && !invalid) << W_EXFIL_INIT;
        verdict[r] = v;
        why[r] = w;
        score[r] = banded;
        tunnel_score[r] = ts;
        dga_score[r] = ds;
        sub_bits_out[r] = sub_bits;
        reg_bits_out[r] = reg_bits;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "decide: label arrays or alphabet sizes are inconsistent with the rows");
        goto fail;
    }
    bufs_release(&bs);
    Py_RETURN_NONE;
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------ */
/* csv_rows / score_index: score-dns's output rows as Arrow's CSV writer (quoting "needed")   */
/* formats them: every string quoted with inner quotes doubled, the score unquoted            */

/* copy src[0:len) as a quoted CSV field; returns the bytes written */
static inline Py_ssize_t put_quoted(uint8_t *dst, const uint8_t *src, Py_ssize_t len)
{
    uint8_t *d = dst;
    *d++ = '"';
    while (len > 0) {
        const uint8_t *q = memchr(src, '"', (size_t)len);
        const Py_ssize_t run = q ? (Py_ssize_t)(q - src) + 1 : len;
        memcpy(d, src, (size_t)run);
        d += run;
        if (q)
            *d++ = '"';
        src += run;
        len -= run;
    }
    *d++ = '"';
    return d - dst;
}

static PyObject *py_score_index(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_score, *o_vals, *o_out;
    BufSet bs = {.n = 0};
    const double *score, *vals;
    int32_t *out;
    Py_ssize_t n, nv, missing = 0;

    if (!PyArg_ParseTuple(args, "OOO:score_index", &o_score, &o_vals, &o_out))
        return NULL;
    ACQ(o_score, K_F64, 0, -1, score, &n, "score");
    ACQ(o_vals, K_F64, 0, -1, vals, &nv, "values");
    ACQ(o_out, K_I32, 1, n, out, NULL, "out");
    if (nv < 2 || nv > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "score_index: values must hold 2 .. 2**31-1 items");
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS
    const double steps = (double)(nv - 1);
    for (Py_ssize_t i = 0; i < n; i++) {
        const double s = score[i];
        int32_t k = -1;
        if (s >= 0.0 && s <= 1.0) {  /* false for NaN */
            const int32_t j = (int32_t)nearbyint(s * steps);
            if (j >= 0 && j < nv && vals[j] == s)
                k = j;
        }
        missing += k < 0;
        out[i] = k;
    }
    Py_END_ALLOW_THREADS
    bufs_release(&bs);
    return PyLong_FromSsize_t(missing);
fail:
    bufs_release(&bs);
    return NULL;
}

static PyObject *py_csv_rows(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o[13];
    BufSet bs = {.n = 0};
    const int64_t *no, *vo, *so, *ro, *prow, *po;
    const uint8_t *nd, *vd, *sd, *rd, *pd;
    const int32_t *si;
    uint8_t *out;
    Py_ssize_t n1, nnd, nvd, nso, nsd, nrd, cap, rows, np_, npd;
    const char *err = NULL;
    Py_ssize_t w = 0, pj = 0;

    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOO:csv_rows", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7],
                          &o[8], &o[9], &o[10], &o[11], &o[12]))
        return NULL;
    ACQ(o[0], K_I64, 0, -1, no, &n1, "name_offsets");
    ACQ(o[1], K_U8, 0, -1, nd, &nnd, "name_data");
    ACQ(o[2], K_I64, 0, n1, vo, NULL, "verdict_offsets");
    ACQ(o[3], K_U8, 0, -1, vd, &nvd, "verdict_data");
    ACQ(o[4], K_I32, 0, n1 - 1, si, NULL, "score_index");
    ACQ(o[5], K_I64, 0, -1, so, &nso, "score_text_offsets");
    ACQ(o[6], K_U8, 0, -1, sd, &nsd, "score_text_data");
    ACQ(o[7], K_I64, 0, n1, ro, NULL, "reasons_offsets");
    ACQ(o[8], K_U8, 0, -1, rd, &nrd, "reasons_data");
    ACQ(o[9], K_I64, 0, -1, prow, &np_, "patch_rows");
    ACQ(o[10], K_I64, 0, np_ + 1, po, NULL, "patch_offsets");
    ACQ(o[11], K_U8, 0, -1, pd, &npd, "patch_data");
    ACQ(o[12], K_U8, 1, -1, out, &cap, "out");
    rows = n1 - 1;
    if (rows < 0 || nso < 1) {
        PyErr_SetString(PyExc_ValueError, "csv_rows: offsets must hold rows + 1 items");
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < rows; i++) {
        const int64_t a0 = no[i], a1 = no[i + 1], b0 = vo[i], b1 = vo[i + 1];
        int64_t c0 = ro[i], c1 = ro[i + 1];
        const uint8_t *reasons = rd;
        Py_ssize_t reasons_len = nrd;
        const int32_t k = si[i];
        if (pj < np_ && prow[pj] < i) {
            err = "csv_rows: patch rows must be sorted, distinct and within the rows";
            break;
        }
        if (pj < np_ && prow[pj] == i) { /* a row whose reasons later context extended */
            c0 = po[pj];
            c1 = po[pj + 1];
            reasons = pd;
            reasons_len = npd;
            pj++;
        }
        if (a0 < 0 || a1 < a0 || a1 > nnd || b0 < 0 || b1 < b0 || b1 > nvd || c0 < 0 || c1 < c0 ||
            c1 > reasons_len || k < 0 || k >= nso - 1 || so[k] < 0 || so[k + 1] < so[k] || so[k + 1] > nsd) {
            err = "csv_rows: offsets or score indices out of range";
            break;
        }
        /* worst case: every byte a quote (doubled), plus quotes, commas and the newline */
        const int64_t need = 2 * ((a1 - a0) + (b1 - b0) + (c1 - c0)) + (so[k + 1] - so[k]) + 10;
        if (w + need > cap) {
            err = "csv_rows: output buffer too small";
            break;
        }
        w += put_quoted(out + w, nd + a0, a1 - a0);
        out[w++] = ',';
        w += put_quoted(out + w, vd + b0, b1 - b0);
        out[w++] = ',';
        memcpy(out + w, sd + so[k], (size_t)(so[k + 1] - so[k]));
        w += so[k + 1] - so[k];
        out[w++] = ',';
        w += put_quoted(out + w, reasons + c0, c1 - c0);
        out[w++] = '\n';
    }
    if (!err && pj != np_)
        err = "csv_rows: patch rows must be sorted, distinct and within the rows";
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    return PyLong_FromSsize_t(w);
fail:
    bufs_release(&bs);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* packet captures: which records pcap.read_capture must look at                               */

static inline unsigned rd16(const uint8_t *p, int big) { return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0]; }
static inline uint32_t rd32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Where the IP packet of a frame starts, by link type, as pcap._ip_payload finds it: sets *ip, *m
 * (bytes from there to the frame's end) and returns the IP version the link layer says (4, 6), or
 * 0 for a frame that is not IPv4 / IPv6 or too short for its link header. */
static int frame_ip(long link, const uint8_t *f, Py_ssize_t n, const uint8_t **ip, Py_ssize_t *m)
{
    unsigned et;
    if (link == 1) {
        if (n < 14)
            return 0;
        Py_ssize_t off = 12;
        et = rd16(f + 12, 1);
        while ((et == 0x8100 || et == 0x88A8 || et == 0x9100) && n >= off + 6) {
            off += 4;
            et = rd16(f + off, 1);
        }
        *ip = f + off + 2;
        *m = n - off - 2;
    } else if (link == 113) {
        if (n < 16)
            return 0;
        et = rd16(f + 14, 1);
        *ip = f + 16;
        *m = n - 16;
    } else if (link == 276) {
        if (n < 20)
            return 0;
        et = rd16(f, 1);
        *ip = f + 20;
        *m = n - 20;
    } else if (link == 0) {
        if (n < 4)
            return 0;
        uint32_t a = rd32(f, 0), b = rd32(f, 1), fam = a < b ? a : b;
        *ip = f + 4;
        *m = n - 4;
        return fam == 2 ? 4 : (fam == 10 || fam == 24 || fam == 28 || fam == 30) ? 6 : 0;
    } else if (link == 101 || link == 12 || link == 14 || link == 228 || link == 229) {
        int ver = n ? f[0] >> 4 : 0;
        *ip = f;
        *m = n;
        return ver == 4 ? 4 : ver == 6 ? 6 : 0;
    } else {
        return 0;
    }
    return et == 0x0800 ? 4 : et == 0x86DD ? 6 : 0;
}

typedef struct {
    int version;            /* 4 or 6 */
    unsigned proto;         /* IP protocol of the payload */
    const uint8_t *ip;      /* the IP header */
    const uint8_t *payload; /* the UDP / TCP header */
    Py_ssize_t size;        /* bytes of the payload, as the IP header bounds them */
} Transport;

enum { T_PYTHON, T_QUIET, T_DNS, T_CONN, T_HELLO };

/* The resolver addresses whose port 443 is DNS over HTTPS (pcap.Connections.watches; resolvers'
 * list, set by watch_addresses before a capture is read). */
#define WATCH_MAX 256
static uint8_t watch4[WATCH_MAX][4], watch6[WATCH_MAX][16];
static Py_ssize_t nwatch4, nwatch6;
/* The last two labels of every resolver endpoint (resolvers.endpoint_tails): a TLS hello naming
 * anything else is the web, passed over here (pcap.Connections.names_resolver's first check). */
#define TAILS_MAX 256
#define TAIL_LEN 64
static uint8_t tails[TAILS_MAX][TAIL_LEN];
static Py_ssize_t tail_lens[TAILS_MAX], ntails;

static int watched(const Transport *t)
{
    if (t->version == 4) {
        for (Py_ssize_t k = 0; k < nwatch4; k++)
            if (memcmp(watch4[k], t->ip + 16, 4) == 0)
                return 1;
    } else {
        for (Py_ssize_t k = 0; k < nwatch6; k++)
            if (memcmp(watch6[k], t->ip + 24, 16) == 0)
                return 1;
    }
    return 0;
}

/* A TCP segment whose payload begins a TLS ClientHello (a handshake record, version 3.x, handshake
 * type 1): the packet pcap.Connections reads the server name from (tls.tls_server_name). */
static int tls_hello(const Transport *t)
{
    if (t->proto != 6)
        return 0;
    const Py_ssize_t off = (t->payload[12] >> 4) * 4;
    if (off < 20 || t->size < off + 6)
        return 0;
    const uint8_t *p = t->payload + off;
    return p[0] == 0x16 && p[1] == 0x03 && p[5] == 0x01;
}

/* watch_addresses(v4, v6, tails) -> None: the packed IPv4 (4 bytes each) and IPv6 (16 bytes each)
 * addresses `watched` looks for, and the endpoint tails `resolver_tail` looks for (each followed by
 * a NUL), replacing any set before. */
static PyObject *py_watch_addresses(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer a, b, c;
    if (!PyArg_ParseTuple(args, "y*y*y*:watch_addresses", &a, &b, &c))
        return NULL;
    const char *err = NULL;
    Py_ssize_t nt = 0;
    const uint8_t *tp = c.buf;
    for (Py_ssize_t i = 0, start = 0; i < c.len && !err; i++) {
        if (tp[i])
            continue;
        if (nt == TAILS_MAX || i - start >= TAIL_LEN)
            err = "watch_addresses: at most 256 tails of at most 63 bytes";
        else {
            memcpy(tails[nt], tp + start, (size_t)(i - start));
            tail_lens[nt++] = i - start;
        }
        start = i + 1;
    }
    if (a.len % 4 || b.len % 16 || a.len / 4 > WATCH_MAX || b.len / 16 > WATCH_MAX)
        err = "watch_addresses: whole addresses, at most 256 of each version";
    if (!err) {
        memcpy(watch4, a.buf, (size_t)a.len);
        memcpy(watch6, b.buf, (size_t)b.len);
        nwatch4 = a.len / 4;
        nwatch6 = b.len / 16;
        ntails = nt;
    }
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&c);
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        return NULL;
    }
    Py_RETURN_NONE;
}

static const char HEXD[] = "0123456789abcdef";

/* One byte of a name as Zeek writes it (tls.escaped): printable ASCII as it is, the backslash
 * doubled, any other byte as \xNN. Writes 1 to 4 bytes at out; returns how many. */
static inline Py_ssize_t put_escaped(uint8_t *out, uint8_t b)
{
    if (b >= 0x21 && b <= 0x7E && b != 0x5C) {
        out[0] = b;
        return 1;
    }
    if (b == 0x5C) {
        out[0] = out[1] = '\\';
        return 2;
    }
    out[0] = '\\';
    out[1] = 'x';
    out[2] = (uint8_t)HEXD[b >> 4];
    out[3] = (uint8_t)HEXD[b & 15];
    return 4;
}

#define HELLO_READ 16384 /* tls.HELLO_READ */
#define SNI_MAX 255      /* tls.NAME_MAX */

/* The server name of the TLS ClientHello that begins p[0..n), as tls.tls_server_name gives it
 * (lower case, bytes outside printable ASCII and the backslash as \xNN / \\, at most SNI_MAX
 * bytes of it): written into out[0..cap), returns its length, 0 when there is none (or it lies
 * past n), -1 when it does not fit in cap. */
static Py_ssize_t tls_sni(const uint8_t *p, Py_ssize_t n, uint8_t *out, Py_ssize_t cap)
{
    if (n > HELLO_READ)
        n = HELLO_READ;
    if (n < 6 || p[0] != 0x16 || p[1] != 0x03 || p[5] != 0x01)
        return 0;
    Py_ssize_t end = 5 + (Py_ssize_t)rd16(p + 3, 1), i = 5 + 4 + 2 + 32;
    if (end > n)
        end = n;
    static const int sizes[3] = {1, 2, 1}; /* session id, cipher suites, compression methods */
    for (int k = 0; k < 3; k++) {
        if (i + sizes[k] > end)
            return 0;
        i += sizes[k] + (Py_ssize_t)(sizes[k] == 1 ? p[i] : rd16(p + i, 1));
    }
    if (i + 2 > end)
        return 0;
    Py_ssize_t ext_end = i + 2 + (Py_ssize_t)rd16(p + i, 1);
    if (ext_end > end)
        ext_end = end;
    i += 2;
    while (i + 4 <= ext_end) {
        const unsigned et = rd16(p + i, 1), el = rd16(p + i + 2, 1);
        i += 4;
        if (et != 0) {
            i += el;
            continue;
        }
        Py_ssize_t j = i + 2, stop = i + (Py_ssize_t)el;
        if (stop > ext_end)
            stop = ext_end;
        while (j + 3 <= stop) {
            const unsigned nt = p[j], nl = rd16(p + j + 1, 1);
            j += 3;
            if (nt == 0 && nl > 0 && j + (Py_ssize_t)nl <= stop) {
                Py_ssize_t w = 0;
                for (unsigned k = 0; k < nl && k < SNI_MAX; k++) {
                    uint8_t b = p[j + k];
                    if (b >= 'A' && b <= 'Z')
                        b += 'a' - 'A';
                    if (w + 4 > cap)
                        return -1;
                    w += put_escaped(out + w, b);
                }
                return w;
            }
            j += nl;
        }
        return 0;
    }
    return 0;
}

/* The last two labels of a server name as tls_sni writes it are a resolver endpoint's tail, as
 * pcap.Connections.names_resolver checks them (after dropping trailing dots). */
static int resolver_tail(const uint8_t *n, Py_ssize_t len)
{
    while (len > 0 && n[len - 1] == '.')
        len--;
    Py_ssize_t r1 = len - 1;
    while (r1 >= 0 && n[r1] != '.')
        r1--;
    Py_ssize_t r2 = (r1 > 0 ? r1 : 0) - 1;
    while (r2 >= 0 && n[r2] != '.')
        r2--;
    const Py_ssize_t start = r2 + 1, tl = len - start;
    for (Py_ssize_t k = 0; k < ntails; k++)
        if (tail_lens[k] == tl && memcmp(tails[k], n + start, (size_t)tl) == 0)
            return 1;
    return 0;
}

/* A client's QUIC Initial in a UDP datagram (quic.is_client_initial): long header, fixed bit, the
 * version's Initial type (0 in version 1, 1 in version 2, RFC 9369), a datagram of 1,200 bytes or more.
 * Its server name is encrypted with keys the connection id gives (RFC 9001), which the Python reader
 * derives; there are one or two a QUIC connection. */
static int quic_initial(const Transport *t)
{
    const uint8_t *d = t->payload + 8;
    if (t->size - 8 < 1200)
        return 0;
    if (d[1] == 0 && d[2] == 0 && d[3] == 0 && d[4] == 1)
        return (d[0] & 0xF0) == 0xC0;
    return d[1] == 0x6b && d[2] == 0x33 && d[3] == 0x43 && d[4] == 0xcf && (d[0] & 0xF0) == 0xD0;
}

/* A TLS hello (tls_hello) whose server name may be a resolver's: the name's tail is listed. */
static int hello_names_resolver(const Transport *t)
{
    uint8_t name[4 * SNI_MAX + 4];
    const Py_ssize_t off = (t->payload[12] >> 4) * 4;
    const Py_ssize_t got = tls_sni(t->payload + off, t->size - off, name, (Py_ssize_t)sizeof name);
    return got > 0 && resolver_tail(name, got);
}

/* TLS ClientHellos split over TCP segments (pcap.HeldHellos, the reference, rule for rule). A post-quantum
 * key share makes a hello ~1.8 KB, more than a segment holds; its name may lie in the second segment.
 * A segment that begins a hello (tls_hello's test) whose name it does not hold and whose record runs past it
 * is kept, up to HOLD_BYTES of the record, per flow (addresses and ports); the flow's next segments with
 * data are joined to it while they follow in sequence, until the record (or HOLD_BYTES of it) is whole. A
 * segment out of sequence ends the flow's hold, and a new hello replaces it. At most HOLD_FLOWS flows are
 * held, the one held longest let go first. What ends a hold never depends on the name found, so
 * capture_scan keeps a table of the same flows without their bytes (data NULL) and knows, without reading
 * the name, which segments dns_frames must see. */
#define HOLD_FLOWS 512
#define HOLD_INDEX 1024 /* slots of the open-addressing index: twice the flows, a power of two */
#define HOLD_BYTES 4096 /* pcap.HeldHellos.BYTES */
#define HOLD_KEY 37     /* IP version, source and destination (16 bytes each), source and destination port */

typedef struct {
    uint8_t key[HOLD_KEY];
    uint8_t used, named;
    uint32_t next;      /* the sequence number the next segment must have */
    Py_ssize_t need;    /* bytes of the record (at most HOLD_BYTES) still to come */
    Py_ssize_t len;     /* bytes held in data */
    uint64_t age;       /* when held: the smallest is let go first */
} Held;

typedef struct {
    Py_ssize_t count;
    uint64_t clock;
    int16_t index[HOLD_INDEX]; /* -1 free, else a flow in held */
    Held held[HOLD_FLOWS];
    uint8_t *data; /* HOLD_FLOWS * HOLD_BYTES, or NULL: the bytes are not kept (capture_scan's table) */
} HoldTable;

static void hold_free(PyObject *capsule)
{
    HoldTable *h = PyCapsule_GetPointer(capsule, "hunt_assets.hold");
    if (h) {
        PyMem_Free(h->data);
        PyMem_Free(h);
    }
}

/* hold_table(keep_bytes) -> capsule: an empty table of held hellos for one capture's walk. */
static PyObject *py_hold_table(PyObject *Py_UNUSED(self), PyObject *args)
{
    int keep = 0;
    if (!PyArg_ParseTuple(args, "p:hold_table", &keep))
        return NULL;
    HoldTable *h = PyMem_Calloc(1, sizeof(HoldTable));
    if (!h)
        return PyErr_NoMemory();
    memset(h->index, 0xFF, sizeof h->index);
    if (keep && !(h->data = PyMem_Malloc((size_t)HOLD_FLOWS * HOLD_BYTES))) {
        PyMem_Free(h);
        return PyErr_NoMemory();
    }
    PyObject *c = PyCapsule_New(h, "hunt_assets.hold", hold_free);
    if (!c) {
        PyMem_Free(h->data);
        PyMem_Free(h);
    }
    return c;
}

static size_t hold_slot(const uint8_t *key)
{
    uint32_t x = 2166136261u; /* FNV-1a */
    for (int k = 0; k < HOLD_KEY; k++)
        x = (x ^ key[k]) * 16777619u;
    return x & (HOLD_INDEX - 1);
}

/* The index slot of the flow `key`, or of the free slot where it would go. */
static size_t hold_find(const HoldTable *h, const uint8_t *key)
{
    size_t s = hold_slot(key);
    while (h->index[s] >= 0 && memcmp(h->held[h->index[s]].key, key, HOLD_KEY) != 0)
        s = (s + 1) & (HOLD_INDEX - 1);
    return s;
}

/* Lets go of the flow in index slot s, moving back the slots after it that probed past it. */
static void hold_drop(HoldTable *h, size_t s)
{
    h->held[h->index[s]].used = 0;
    h->count--;
    h->index[s] = -1;
    for (size_t j = (s + 1) & (HOLD_INDEX - 1); h->index[j] >= 0; j = (j + 1) & (HOLD_INDEX - 1)) {
        const size_t home = hold_slot(h->held[h->index[j]].key);
        if (((j - home) & (HOLD_INDEX - 1)) >= ((j - s) & (HOLD_INDEX - 1))) { /* home at or before s */
            h->index[s] = h->index[j];
            h->index[j] = -1;
            s = j;
        }
    }
}

static void hold_key(const Transport *t, uint8_t *key)
{
    memset(key, 0, HOLD_KEY);
    key[0] = (uint8_t)t->version;
    if (t->version == 4) {
        memcpy(key + 1, t->ip + 12, 4);
        memcpy(key + 17, t->ip + 16, 4);
    } else {
        memcpy(key + 1, t->ip + 8, 16);
        memcpy(key + 17, t->ip + 24, 16);
    }
    memcpy(key + 33, t->payload, 4); /* the ports, as on the wire */
}

/* A TCP segment to port 443 or 853, neither port 53 (what pcap._frame hands HeldHellos.segment). */
static int tls_port_segment(const Transport *t)
{
    if (t->proto != 6 || t->size < 20)
        return 0;
    const unsigned sport = rd16(t->payload, 1), dport = rd16(t->payload + 2, 1);
    return sport != 53 && dport != 53 && (dport == 443 || dport == 853);
}

enum { HOLD_NONE, HOLD_HELLO, HOLD_MORE }; /* hold_step: the segment is neither; begins a hello; follows one */

/* One segment (tls_port_segment) through the table, as HeldHellos.segment: returns what the segment is,
 * and in *touched whether the table changed or was consulted for it (capture_scan keeps such a segment).
 * The server name it gives (of the hello it begins, or of the held one it completes) is written into
 * name[0..4 * SNI_MAX + 4) as tls_sni writes it, its length in *got (0: none). */
static int hold_step(HoldTable *h, const Transport *t, uint8_t *name, Py_ssize_t *got, int *touched)
{
    *got = 0;
    *touched = 0;
    const Py_ssize_t off = (t->payload[12] >> 4) * 4;
    if (off < 20 || off >= t->size)
        return HOLD_NONE;
    const uint8_t *seg = t->payload + off;
    const Py_ssize_t n = t->size - off;
    const uint32_t seq = rd32(t->payload + 4, 1);
    uint8_t key[HOLD_KEY];
    hold_key(t, key);
    size_t s = h->count ? hold_find(h, key) : HOLD_INDEX;
    const int is_held = s < HOLD_INDEX && h->index[s] >= 0;
    if (n >= 6 && seg[0] == 0x16 && seg[1] == 0x03 && seg[5] == 0x01) {
        if (is_held) {
            hold_drop(h, s);
            *touched = 1;
        }
        *got = tls_sni(seg, n, name, 4 * SNI_MAX + 4);
        Py_ssize_t end = 5 + (Py_ssize_t)rd16(seg + 3, 1);
        if (end > HOLD_BYTES)
            end = HOLD_BYTES;
        if (*got == 0 && n < end) {
            if (h->count == HOLD_FLOWS) { /* the flow held longest is let go */
                size_t oldest = 0;
                uint64_t age = UINT64_MAX;
                for (size_t j = 0; j < HOLD_INDEX; j++)
                    if (h->index[j] >= 0 && h->held[h->index[j]].age < age)
                        age = h->held[h->index[j]].age, oldest = j;
                hold_drop(h, oldest);
            }
            s = hold_find(h, key);
            int16_t e = 0;
            while (h->held[e].used)
                e++;
            Held *f = &h->held[e];
            memcpy(f->key, key, HOLD_KEY);
            f->used = 1;
            f->named = 0;
            f->next = seq + (uint32_t)n;
            f->need = end - n;
            f->len = n;
            f->age = h->clock++;
            if (h->data)
                memcpy(h->data + (size_t)e * HOLD_BYTES, seg, (size_t)n);
            h->index[s] = e;
            h->count++;
            *touched = 1;
        }
        return HOLD_HELLO;
    }
    if (!is_held)
        return HOLD_NONE;
    *touched = 1;
    const int16_t e = h->index[s];
    Held *f = &h->held[e];
    if (seq != f->next) {
        hold_drop(h, s);
        return HOLD_MORE;
    }
    f->next = seq + (uint32_t)n;
    f->need -= n;
    if (!f->named && h->data) {
        uint8_t *d = h->data + (size_t)e * HOLD_BYTES;
        const Py_ssize_t take = n < HOLD_BYTES - f->len ? n : HOLD_BYTES - f->len;
        memcpy(d + f->len, seg, (size_t)take);
        f->len += take;
        *got = tls_sni(d, f->len, name, 4 * SNI_MAX + 4);
        f->named = *got != 0;
    }
    if (f->need <= 0)
        hold_drop(h, s);
    return HOLD_MORE;
}

/* How pcap.read_capture treats a frame, with its checks one for one (pcap._ip_payload, _ipv4,
 * _ipv6 and the protocol test): T_DNS a UDP or TCP header to or from port 53 (*t set); T_CONN one
 * to an encrypted-DNS port (pcap.Connections.watches: 853, or 443 of a watched address); T_HELLO a
 * TLS ClientHello to port 443 of any other server whose name may be a resolver's (hello_names_resolver:
 * the hellos of the web are passed over here); T_QUIET an IP packet the reader passes over without
 * counting it (another protocol, another port, a transport header cut short); T_PYTHON anything the
 * reader counts or walks itself (not IPv4 / IPv6, a later fragment, a header cut short, IPv6
 * extension headers), and a QUIC client Initial to port 443 of any other server (quic_initial).
 * The Python reader stays the reference: the kernels hand it every T_PYTHON frame, so they can
 * skip work but not change a row or a count. */
static int transport(long link, const uint8_t *f, Py_ssize_t n, Transport *t)
{
    const uint8_t *ip = NULL;
    Py_ssize_t m = 0;
    const int v = frame_ip(link, f, n, &ip, &m);
    if (v == 4) {
        if (m < 20 || ip[0] >> 4 != 4)
            return T_PYTHON;
        Py_ssize_t ihl = (ip[0] & 0x0F) * 4, total = rd16(ip + 2, 1);
        if ((rd16(ip + 6, 1) & 0x1FFF) || ihl < 20)
            return T_PYTHON;
        Py_ssize_t end = total >= ihl ? (m < total ? m : total) : m;
        t->proto = ip[9];
        t->payload = ip + ihl;
        t->size = end > ihl ? end - ihl : 0;
    } else if (v == 6) {
        if (m < 40 || ip[0] >> 4 != 6)
            return T_PYTHON;
        Py_ssize_t length = rd16(ip + 4, 1);
        t->proto = ip[6];
        if (t->proto == 0 || t->proto == 43 || t->proto == 60 || t->proto == 44 || t->proto == 51)
            return T_PYTHON; /* extension headers: the Python reader walks them */
        t->payload = ip + 40;
        t->size = length ? (length < m - 40 ? length : m - 40) : m - 40;
    } else {
        return T_PYTHON;
    }
    t->version = v;
    t->ip = ip;
    if (!((t->proto == 17 && t->size >= 8) || (t->proto == 6 && t->size >= 20)))
        return T_QUIET;
    const unsigned dport = rd16(t->payload + 2, 1);
    if (rd16(t->payload, 1) == 53 || dport == 53)
        return T_DNS;
    if (dport == 853 || (dport == 443 && watched(t)))
        return T_CONN;
    if (dport == 443 && t->proto == 17)
        return quic_initial(t) ? T_PYTHON : T_QUIET; /* its name is read in Python (quic.Hellos) */
    return dport == 443 && tls_hello(t) && hello_names_resolver(t) ? T_HELLO : T_QUIET;
}

/* The first question of a DNS message as pcap.question reads it: writes the name in presentation
 * form (labels joined by '.', bytes outside printable ASCII and the backslash as \xNN / \\, the
 * root as ".") into out[0..cap) and returns its length, or -1 when the message has no readable
 * question or the name does not fit. Sets the id, flags and question type. */
static Py_ssize_t dns_question(const uint8_t *m, Py_ssize_t size, uint8_t *out, Py_ssize_t cap, unsigned *xid,
                               unsigned *flags, unsigned *qtype)
{
    if (size < 12 || rd16(m + 4, 1) == 0)
        return -1;
    *xid = rd16(m, 1);
    *flags = rd16(m + 2, 1);
    Py_ssize_t i = 12, end = -1, w = 0;
    int jumps = 0, labels = 0;
    for (;;) {
        if (i >= size)
            return -1;
        unsigned n = m[i];
        if (n == 0) {
            i += 1;
            break;
        }
        if ((n & 0xC0) == 0xC0) {
            if (i + 1 >= size || jumps > 32)
                return -1;
            if (end < 0)
                end = i + 2;
            i = (Py_ssize_t)((n & 0x3F) << 8 | m[i + 1]);
            jumps++;
            continue;
        }
        if (n > 63 || i + 1 + (Py_ssize_t)n > size)
            return -1;
        if (labels++) {
            if (w >= cap)
                return -1;
            out[w++] = '.';
        }
        for (unsigned k = 0; k < n; k++) {
            const uint8_t b = m[i + 1 + k];
            if (w + 4 > cap)
                return -1;
            w += put_escaped(out + w, b);
        }
        i += 1 + n;
    }
    if (end >= 0)
        i = end;
    if (i + 2 > size)
        return -1;
    if (w == 0) {
        if (cap < 1)
            return -1;
        out[w++] = '.';
    }
    *qtype = rd16(m + i, 1);
    return w;
}

/* dns_frames(data, offsets, lengths, links, status, meta, addrs, name_offsets, names, held, first) -> stop
 *
 * The DNS-over-UDP frames among `offsets` / `lengths` (int64; the frame's bytes in `data`, its
 * link type in `links`, int32) read in one pass. status (uint8) per frame: 0 read here: meta
 * (int64, 6 per frame: IP version, source port, destination port, id, flags, question type),
 * addrs (uint8, 32 per frame: source then destination, 4 or 16 bytes each) and the name in
 * names[name_offsets[i] : name_offsets[i + 1]]; 1 left to the Python reader (TCP, a frame that
 * is not IP, a fragment, IPv6 extension headers, a message without a readable question: whatever
 * it reads or counts itself, or a name that does not fit in `names`); 2 neither UDP nor TCP to
 * or from port 53 (the reader passes over it); 3 a packet to an encrypted-DNS port (T_CONN) other
 * than a TLS ClientHello: meta IP version, source port, destination port, IP protocol, TCP flags
 * (0 for UDP), 0, and addrs; 4 a TLS ClientHello to port 443 or 853: meta and addrs as for 3, and
 * its server name (tls_sni; empty when it has none) where a question's name goes, or a TCP segment to
 * either port that completes the name of a hello held over segments (hold_step; `held`, a
 * hold_table(True) carried from batch to batch of one capture). What status 0 gives is what
 * pcap._ip_payload and pcap.question give for the same frame. Frames are read from `first` (its
 * name offset already set) until `names` has less room than any name needs; returns the frame where
 * it stopped (the count of frames when it read them all). */
static PyObject *py_dns_frames(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o[10];
    Py_ssize_t first;
    BufSet bs = {.n = 0};
    const uint8_t *d;
    const int64_t *offs, *lens;
    const int32_t *links;
    uint8_t *status, *addrs, *names;
    int64_t *meta, *noffs;
    Py_ssize_t n, nf, cap;
    const char *err = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOn:dns_frames", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6], &o[7],
                          &o[8], &o[9], &first))
        return NULL;
    HoldTable *held = PyCapsule_GetPointer(o[9], "hunt_assets.hold");
    if (!held || !held->data) {
        PyErr_Clear();
        PyErr_SetString(PyExc_TypeError, "dns_frames: held must be a hold_table(True)");
        return NULL;
    }
    ACQ(o[0], K_U8, 0, -1, d, &n, "data");
    ACQ(o[1], K_I64, 0, -1, offs, &nf, "offsets");
    ACQ(o[2], K_I64, 0, nf, lens, NULL, "lengths");
    ACQ(o[3], K_I32, 0, nf, links, NULL, "links");
    ACQ(o[4], K_U8, 1, nf, status, NULL, "status");
    ACQ(o[5], K_I64, 1, 6 * nf, meta, NULL, "meta");
    ACQ(o[6], K_U8, 1, 32 * nf, addrs, NULL, "addrs");
    ACQ(o[7], K_I64, 1, nf + 1, noffs, NULL, "name_offsets");
    ACQ(o[8], K_U8, 1, -1, names, &cap, "names");
    if (first < 0 || first > nf) {
        PyErr_SetString(PyExc_ValueError, "dns_frames: first outside the frames");
        goto fail;
    }
    Py_ssize_t j = first;
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t w = first ? noffs[first] : 0;
    noffs[first] = w;
    for (; j < nf; j++) {
        if (cap - w < 4 * SNI_MAX + 4)
            break; /* names is full: the caller gives more room and calls again from j */
        noffs[j + 1] = w;
        status[j] = 1;
        if (offs[j] < 0 || lens[j] < 0 || offs[j] > n || lens[j] > n - offs[j]) {
            err = "dns_frames: a frame outside the data";
            break;
        }
        Transport t;
        const int r = transport(links[j], d + offs[j], lens[j], &t);
        int kind = HOLD_NONE, touched;
        Py_ssize_t got = 0;
        if (r != T_PYTHON && tls_port_segment(&t))
            kind = hold_step(held, &t, names + w, &got, &touched);
        if (kind == HOLD_MORE && got > 0 && r == T_QUIET && !resolver_tail(names + w, got))
            got = 0; /* a split hello to the web: passed over as a whole one is */
        if (r != T_DNS && r != T_CONN && r != T_HELLO && !(kind == HOLD_MORE && got > 0)) {
            status[j] = r == T_QUIET ? 2 : 1;
            continue;
        }
        const int v = t.version;
        const uint8_t *ip = t.ip, *pl = t.payload;
        const Py_ssize_t plen = t.size;
        const unsigned sport = rd16(pl, 1), dport = rd16(pl + 2, 1);
        int64_t *mt = meta + 6 * j;
        if (r == T_HELLO || r == T_CONN || kind == HOLD_MORE) {
            if (kind == HOLD_HELLO || got > 0) { /* a hello's name, or a held one's (empty: none) */
                w += got;
                noffs[j + 1] = w;
                status[j] = 4;
            } else {
                status[j] = 3;
            }
            mt[0] = v;
            mt[1] = sport;
            mt[2] = dport;
            mt[3] = t.proto;
            mt[4] = t.proto == 6 ? pl[13] : 0;
            mt[5] = 0;
        } else {
            if (t.proto != 17)
                continue; /* TCP: the Python reader reassembles the stream */
            unsigned xid, flags, qtype;
            const Py_ssize_t got = dns_question(pl + 8, plen - 8, names + w, cap - w, &xid, &flags, &qtype);
            if (got < 0)
                continue; /* unreadable, or no room: the Python reader reads (and counts) it */
            w += got;
            noffs[j + 1] = w;
            status[j] = 0;
            mt[0] = v;
            mt[1] = sport;
            mt[2] = dport;
            mt[3] = xid;
            mt[4] = flags;
            mt[5] = qtype;
        }
        uint8_t *a = addrs + 32 * j;
        if (v == 4) {
            memcpy(a, ip + 12, 4);
            memcpy(a + 16, ip + 16, 4);
        } else {
            memcpy(a, ip + 8, 16);
            memcpy(a + 16, ip + 24, 16);
        }
    }
    Py_END_ALLOW_THREADS
    if (err) {
        PyErr_SetString(PyExc_ValueError, err);
        goto fail;
    }
    bufs_release(&bs);
    return PyLong_FromSsize_t(j);
fail:
    bufs_release(&bs);
    return NULL;
}

#define CAPTURE_IFACES 256

/* A frame capture_scan hands on: one the reader does not pass over (transport's r), or a TLS segment the
 * table of held hellos consults (hold_step), which dns_frames must see to hold the same flows. */
static int scan_keeps(HoldTable *held, int r, const Transport *t)
{
    int touched = 0;
    if (r != T_PYTHON && tls_port_segment(t)) {
        uint8_t name[4 * SNI_MAX + 4];
        Py_ssize_t got;
        hold_step(held, t, name, &got, &touched);
    }
    return r != T_QUIET || touched;
}

/* capture_scan(data, start, kind, link, out, state, held) -> (kept, next, status)
 *
 * Walks a capture's records from `start` as pcap._RecordWalk does and writes the
 * offsets of the records the reader must see into `out` (int64): pcap records whose frame is not
 * quiet (see transport: T_QUIET) or is a TLS segment the held hellos consult (scan_keeps; `held`, a
 * hold_table(False) carried across calls, holds the same flows as dns_frames' table); for pcapng,
 * section headers, interface descriptions and the packet blocks whose frame is kept by the same test
 * (blocks of other types, which the reader ignores, are left out).
 * kind: 0 pcap little-endian, 1 pcap big-endian (`link` from the file header), 2 pcapng. `state`
 * (int64, CAPTURE_IFACES + 2 items, zeroed before the first call) carries a pcapng walk across
 * calls: the section's byte order, its interfaces' link types. status: 0 `out` is full (call
 * again from `next`), 1 the walk ended at the end of the data, 2 it ended on a record cut short or
 * trailing bytes (the reader counts a cut), 3 it stopped at a section header without a byte-order
 * magic (kept: the reader raises on it). */
static PyObject *py_capture_scan(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *o_data, *o_out, *o_state, *o_held;
    Py_ssize_t start, cap, nstate;
    int kind;
    long link;
    BufSet bs = {.n = 0};
    const uint8_t *d;
    Py_ssize_t n;
    int64_t *out, *st;
    if (!PyArg_ParseTuple(args, "OnilOOO:capture_scan", &o_data, &start, &kind, &link, &o_out, &o_state, &o_held))
        return NULL;
    HoldTable *held = PyCapsule_GetPointer(o_held, "hunt_assets.hold");
    if (!held)
        return NULL;
    ACQ(o_data, K_U8, 0, -1, d, &n, "data");
    ACQ(o_out, K_I64, 1, -1, out, &cap, "out");
    ACQ(o_state, K_I64, 1, CAPTURE_IFACES + 2, st, &nstate, "state");
    if (start < 0 || start > n || kind < 0 || kind > 2) {
        PyErr_SetString(PyExc_ValueError, "capture_scan: start outside the data, or an unknown kind");
        goto fail;
    }
    Py_ssize_t i = start, k = 0;
    int status = 1;
    Transport t;
    Py_BEGIN_ALLOW_THREADS
    if (kind < 2) {
        const int big = kind == 1;
        for (;;) {
            if (i + 16 > n) {
                status = i < n ? 2 : 1;
                break;
            }
            const Py_ssize_t caplen = rd32(d + i + 8, big);
            if (caplen > n - i - 16) {
                status = 2;
                break;
            }
            if (k == cap) {
                status = 0;
                break;
            }
            if (scan_keeps(held, transport(link, d + i + 16, caplen, &t), &t))
                out[k++] = i;
            i += 16 + caplen;
        }
    } else {
        for (;;) {
            if (i + 12 > n) {
                status = i < n ? 2 : 1;
                break;
            }
            if (k == cap) {
                status = 0;
                break;
            }
            int keep = 0, shb = memcmp(d + i, "\x0a\x0d\x0d\x0a", 4) == 0;
            if (shb) {
                const uint8_t *bom = d + i + 8;
                if (memcmp(bom, "\x4d\x3c\x2b\x1a", 4) == 0)
                    st[0] = 0;
                else if (memcmp(bom, "\x1a\x2b\x3c\x4d", 4) == 0)
                    st[0] = 1;
                else {
                    out[k++] = i;
                    status = 3;
                    break;
                }
                st[1] = 0;
                keep = 1;
            }
            const int big = (int)st[0];
            const uint32_t btype = rd32(d + i, big), blen = rd32(d + i + 4, big);
            if (blen < 12 || blen % 4 || blen > n - i) {
                status = 2;
                break;
            }
            const uint8_t *body = d + i + 8;
            const Py_ssize_t bl = (Py_ssize_t)blen - 12;
            if (btype == 1) {
                keep = 1;
                if (bl >= 8 && st[1] >= 0) {
                    if (st[1] < CAPTURE_IFACES)
                        st[2 + st[1]++] = rd16(body, big);
                    else
                        st[1] = -1; /* too many interfaces to track: keep every packet from here */
                }
            } else if (btype == 6 && bl >= 20) {
                const uint32_t iface = rd32(body, big), caplen = rd32(body + 12, big);
                if (st[1] < 0)
                    keep = 1;
                else if (iface < (uint64_t)st[1] && (Py_ssize_t)caplen <= bl - 20)
                    keep = scan_keeps(held, transport((long)st[2 + iface], body + 20, caplen, &t), &t);
            } else if (btype == 3 && bl >= 4 && st[1] != 0) {
                Py_ssize_t caplen = rd32(body, big);
                if (caplen > bl - 4)
                    caplen = bl - 4;
                keep = st[1] < 0 || scan_keeps(held, transport((long)st[2], body + 4, caplen, &t), &t);
            }
            if (keep)
                out[k++] = i;
            i += blen;
        }
    }
    Py_END_ALLOW_THREADS
    bufs_release(&bs);
    return Py_BuildValue("nni", k, i, status);
fail:
    bufs_release(&bs);
    return NULL;
}

static PyMethodDef methods[] = {
    {"hold_table", py_hold_table, METH_VARARGS,
     "hold_table(keep_bytes) -> an empty table of TLS hellos split over TCP segments, for one capture's walk"},
    {"watch_addresses", py_watch_addresses, METH_VARARGS,
     "watch_addresses(v4, v6, tails): the resolver addresses whose port 443 a capture's reader counts as "
     "DoH, and the tails of their endpoints' names"},
    {"count_labels", py_count_labels, METH_VARARGS,
     "count_labels(data, offsets) -> number of labels parse() will produce"},
    {"parse", py_parse, METH_VARARGS,
     "parse(data, offsets, lower_table, powers, keys, slot_flags, shift, zero_flag, lower, label_start, "
     "label_end, label_row, label_idx, suffix_hash, row_first_label, n_labels, suffix_start, reg_start, "
     "reg_label, tld_known): names.parse's label split, suffix hashes and public-suffix look-up; fills the "
     "output buffers"},
    {"label_logprob", py_label_logprob, METH_VARARGS,
     "label_logprob(data, offsets, label_start, label_end, row_first_label, n_labels, code, K, logp, tot, cnt"
     "[, q4]): per-label (sum, count) with the order-3 float table logp, or with the order-4 uint8 table q4 "
     "(logp None)"},
    {"features", py_features, METH_VARARGS,
     "features(data, offsets, label_start, label_end, row_first_label, n_labels, reg_start, reg_label, "
     "sub_code, reg_code, none_code, ncls, code, K, logp, class_counts, stats, tot, cnt, sub_lp[, q4]): the "
     "byte-level statistics of features.compute (n-gram sums as label_logprob gives them)"},
    {"entropy", py_entropy, METH_VARARGS,
     "entropy(data, start, stop, skip_dots, code, K, xlogx, log2, out): Shannon entropy of byte ranges"},
    {"first_occurrences", py_first_occurrences, METH_VARARGS,
     "first_occurrences(data, offsets, out, seed) -> k; out[:k] = index of the first occurrence of each "
     "distinct value, in order of first appearance"},
    {"utf8_valid", py_utf8_valid, METH_VARARGS,
     "utf8_valid(text) -> whether text is valid UTF-8 (as bytes.decode('utf-8') would accept it)"},
    {"count_lines", py_count_lines, METH_VARARGS,
     "count_lines(text) -> number of non-empty lines ('\\n', '\\r' or '\\r\\n' end a line)"},
    {"unique_lines", py_unique_lines, METH_VARARGS,
     "unique_lines(text, out, offsets, first, seed) -> (k, lines); out[offsets[j]:offsets[j+1]] is the "
     "j-th distinct non-empty line (j < k) in order of first appearance, first[j] the number of the "
     "line where it first appears; lines = non-empty lines read"},
    {"group_min_max", py_group_min_max, METH_VARARGS,
     "group_min_max(groups, values, mask, out_min, out_max): out_min[g] = min(out_min[g], values[i]) and "
     "likewise out_max for every i with mask[i] and groups[i] == g"},
    {"group_max_u64", py_group_max_u64, METH_VARARGS,
     "group_max_u64(groups, values, out_max): out_max[g] = max(out_max[g], values[i]) (uint64) for every i "
     "with groups[i] == g"},
    {"factorize_u64", py_factorize_u64, METH_VARARGS,
     "factorize_u64(values, codes, seed) -> first; codes[i] (int32) = number of the distinct value "
     "values[i], numbered 0..k-1 in order of first appearance; first = bytes of k int64 rows where each first appears"},
    {"suppress", py_suppress, METH_VARARGS,
     "suppress(data, lower, label_start, label_end, row_first_label, n_labels, reg_label, suffix_hash, zone_keys, "
     "zone_codes, zone_shift, zone_zero_code, arpa, service_keys, service_codes, internal_tlds, internal_zones, "
     "private_keys, private_shift, private_zero, windows_prefixes, windows_prefix_lengths, constants, fam, "
     "reason): suppress.suppression_codes"},
    {"hash_build", py_hash_build, METH_VARARGS,
     "hash_build(values, keys, pos, shift): store every non-zero (distinct) values[i] in the linear-probing "
     "table keys (slot = (value * golden) >> shift, 0 = empty) with pos[slot] = i"},
    {"hash_probe", py_hash_probe, METH_VARARGS,
     "hash_probe(keys, shift, values, out): out[i] = slot of values[i] in the linear-probing table keys "
     "(slot = (value * golden) >> shift; 0 marks an empty slot), -1 when absent"},
    {"case_shape", py_case_shape, METH_VARARGS,
     "case_shape(data, starts, ends, out_worded, out_label_mix): features.word_cased per span"},
    {"hash_spans", py_hash_spans, METH_VARARGS,
     "hash_spans(data, starts, ends, powers, out): out[i] = sum of data[j] * powers[min(ends[i] - 1 - j, "
     "len(powers) - 1)] over starts[i] <= j < ends[i], modulo 2**64 (powers[k] = powers[1]**k)"},
    {"decide", py_decide, METH_VARARGS,
     "decide(raw_len, n_ctrl, n_empty_labels, lengths_over, fam, popular, vetted, alt_tld, sub_len, sub_lp, "
     "sub_lp_n, reg_lp, reg_lp_n, reg_alphabet, reg_len, n_nonascii, sub_b64extra, sub_upper, sub_lower, sub_hex, "
     "sub_digits, sub_b32, name_len, suffix_len, reg_label, reg_start, tld_known, n_labels, row_first_label, "
     "label_start, label_end, lower, log2_alphabet, dga_bars, susp_bars, constants, verdict, why, score, "
     "tunnel_score, dga_score, sub_bits, reg_bits): score._decide_numpy (verdict, banded score, reason flags)"},
    {"score_index", py_score_index, METH_VARARGS,
     "score_index(score, values, out) -> missing; out[i] = k where values[k] == score[i] and k = "
     "round(score[i] * (len(values) - 1)), else -1 (missing counts those)"},
    {"dns_frames", py_dns_frames, METH_VARARGS,
     "dns_frames(data, offsets, lengths, links, status, meta, addrs, name_offsets, names, held, first) -> stop: "
     "DNS over UDP frames and encrypted-DNS connections read"},
    {"capture_scan", py_capture_scan, METH_VARARGS,
     "capture_scan(data, start, kind, link, out, state, held) -> (kept, next, status): the capture records the "
     "reader must see"},
    {"csv_rows", py_csv_rows, METH_VARARGS,
     "csv_rows(name_offsets, name_data, verdict_offsets, verdict_data, score_index, score_text_offsets, "
     "score_text_data, reasons_offsets, reasons_data, patch_rows, patch_offsets, patch_data, out) -> bytes "
     "written: the rows (reasons of the sorted patch_rows from the patch texts) "
     "'\"name\",\"verdict\",score,\"reasons\"\\n' as Arrow's CSV writer quotes them"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_native",
    .m_doc = "Byte-level kernels of hunt_assets.analytics.dns (see _native.c; NumPy code is the reference).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__native(void)
{
    byte_flags_init();
    return PyModule_Create(&moduledef);
}
