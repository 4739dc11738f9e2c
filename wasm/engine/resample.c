/*
 * Separable Lanczos3 resampling of RGBA8, fed one source row at a time, the way libvips' resize
 * does it: a box pre-shrink by the integer part of half the factor (so Lanczos3 always has a
 * factor of 2..4 left: libvips' default "gap" of 2), then Lanczos3. Each incoming row is
 * box-shrunk, summed into the current box row group, then filtered horizontally into a ring of
 * float rows just tall enough for the vertical filter; every output row is written as soon as its
 * last source row has arrived. Memory: a few rows plus the RGBA8 output, never a float copy of
 * the whole image. One pixel is one 128-bit SIMD vector (4 x f32).
 * Sampling is centre-aligned with edge pixels repeated, in gamma-encoded sRGB as libvips does by
 * default; with `premultiply` colour is weighted by alpha so transparent pixels do not bleed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>
#include "engine.h"

typedef struct {
  int *start; /* first source index of each output index */
  int *count; /* taps of each output index */
  float *weights; /* count[i] weights per output index, `taps` apart */
  int taps; /* the largest count */
} contributions;

struct resampler {
  int in_w, in_h, out_w, out_h, premultiply, copy;
  int kx, ky; /* box pre-shrink factors */
  int box_w, box_h; /* size after the box pre-shrink: what Lanczos3 sees */
  float *src_row; /* one source row as floats (premultiplied if asked), box-shrunk horizontally */
  float *box_acc; /* sum of the current group of ky rows */
  int box_rows; /* rows in box_acc */
  contributions h, v;
  float *ring; /* v.taps horizontally filtered rows */
  float *acc; /* one output row before rounding */
  uint8_t *stage; /* where a caller may write the next source row */
  uint8_t *out;
  int rows_in, rows_out, box_in;
};

/* libvips' integer pre-shrink: floor(factor / 2), at least 1. */
static int box_factor(int in, int out) {
  int k = (int)((double)in / out / 2.0);
  return k < 1 ? 1 : k;
}

static double lanczos3(double x) {
  if (x < 0) x = -x;
  if (x < 1e-9) return 1.0;
  if (x >= 3.0) return 0.0;
  double px = M_PI * x;
  return 3.0 * sin(px) * sin(px / 3.0) / (px * px);
}

static void plan(contributions *c, int in, int out) {
  double scale = (double)in / out;
  double stretch = scale > 1.0 ? scale : 1.0; /* widen the kernel when shrinking */
  double support = 3.0 * stretch;
  int taps = (int)ceil(support) * 2 + 2;
  if (taps > in) taps = in;
  c->taps = taps;
  c->start = malloc(sizeof(int) * (size_t)out);
  c->count = malloc(sizeof(int) * (size_t)out);
  c->weights = calloc((size_t)out * (size_t)taps, sizeof(float));
  double *w = malloc(sizeof(double) * (size_t)in);
  for (int o = 0; o < out; o++) {
    double centre = (o + 0.5) * scale - 0.5;
    int lo = (int)floor(centre - support), hi = (int)ceil(centre + support);
    /* Weights per source index, with indices outside the image folded onto the edge pixel. */
    int first = lo < 0 ? 0 : lo > in - 1 ? in - 1 : lo;
    int last = hi > in - 1 ? in - 1 : hi < 0 ? 0 : hi;
    for (int t = first; t <= last; t++) w[t] = 0;
    double sum = 0;
    for (int i = lo; i <= hi; i++) {
      double k = lanczos3((i - centre) / stretch);
      w[i < first ? first : i > last ? last : i] += k;
      sum += k;
    }
    while (first < last && w[first] == 0) first++;
    while (last > first && w[last] == 0) last--;
    if (sum == 0) { first = last = (int)fmin(fmax(floor(centre + 0.5), 0), in - 1); w[first] = 1; sum = 1; }
    if (last - first + 1 > taps) last = first + taps - 1;
    c->start[o] = first;
    c->count[o] = last - first + 1;
    for (int t = 0; t < c->count[o]; t++) c->weights[(size_t)o * taps + t] = (float)(w[first + t] / sum);
  }
  free(w);
}

ENGINE_EXPORT resampler *rs_new(int in_w, int in_h, int out_w, int out_h, int premultiply) {
  resampler *rs = calloc(1, sizeof(resampler));
  rs->in_w = in_w; rs->in_h = in_h; rs->out_w = out_w; rs->out_h = out_h;
  rs->premultiply = premultiply;
  rs->copy = in_w == out_w && in_h == out_h;
  rs->stage = malloc((size_t)in_w * 4);
  rs->out = malloc((size_t)out_w * (size_t)out_h * 4);
  if (!rs->copy) {
    rs->kx = box_factor(in_w, out_w);
    rs->ky = box_factor(in_h, out_h);
    rs->box_w = (in_w + rs->kx - 1) / rs->kx;
    rs->box_h = (in_h + rs->ky - 1) / rs->ky;
    plan(&rs->h, rs->box_w, out_w);
    plan(&rs->v, rs->box_h, out_h);
    rs->src_row = aligned_alloc(16, sizeof(float) * (size_t)in_w * 4);
    rs->box_acc = aligned_alloc(16, sizeof(float) * (size_t)rs->box_w * 4);
    rs->ring = aligned_alloc(16, sizeof(float) * (size_t)out_w * 4 * (size_t)rs->v.taps);
    rs->acc = aligned_alloc(16, sizeof(float) * (size_t)out_w * 4);
  }
  return rs;
}

uint8_t *rs_stage(resampler *rs) { return rs->stage; }
ENGINE_EXPORT uint8_t *rs_output(resampler *rs) { return rs->out; }

/* Converts a source row to floats (premultiplied if asked) and box-shrinks it by kx in place. */
static void load_row(resampler *rs, const uint8_t *row) {
  float *s = rs->src_row;
  int n = rs->in_w * 4;
  if (rs->premultiply) {
    for (int i = 0; i < n; i += 4) {
      float a = row[i + 3] * (1.0f / 255.0f);
      s[i] = row[i] * a; s[i + 1] = row[i + 1] * a; s[i + 2] = row[i + 2] * a; s[i + 3] = row[i + 3];
    }
  } else {
    for (int i = 0; i < n; i++) s[i] = row[i];
  }
  if (rs->kx == 1) return;
  for (int j = 0; j < rs->box_w; j++) {
    int from = j * rs->kx, to = from + rs->kx > rs->in_w ? rs->in_w : from + rs->kx;
    v128_t sum = wasm_v128_load(s + (size_t)from * 4);
    for (int x = from + 1; x < to; x++) sum = wasm_f32x4_add(sum, wasm_v128_load(s + (size_t)x * 4));
    wasm_v128_store(s + (size_t)j * 4, wasm_f32x4_mul(sum, wasm_f32x4_splat(1.0f / (float)(to - from))));
  }
}

static void horizontal(resampler *rs, const float *s, float *dst) {
  const contributions *c = &rs->h;
  for (int o = 0; o < rs->out_w; o++) {
    const float *w = c->weights + (size_t)o * c->taps;
    const float *p = s + (size_t)c->start[o] * 4;
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (int t = 0; t < c->count[o]; t++, p += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(w[t]), wasm_v128_load(p)));
    wasm_v128_store(dst + (size_t)o * 4, acc);
  }
}

static uint8_t clamp8(float v) {
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)(v + 0.5f);
}

static void emit_row(resampler *rs, int y) {
  const contributions *c = &rs->v;
  int n = rs->out_w * 4;
  float *acc = rs->acc;
  memset(acc, 0, sizeof(float) * (size_t)n);
  const float *w = c->weights + (size_t)y * c->taps;
  for (int t = 0; t < c->count[y]; t++) {
    const float *r = rs->ring + (size_t)((c->start[y] + t) % c->taps) * (size_t)n;
    v128_t k = wasm_f32x4_splat(w[t]);
    for (int i = 0; i < n; i += 4) wasm_v128_store(acc + i, wasm_f32x4_add(wasm_v128_load(acc + i), wasm_f32x4_mul(k, wasm_v128_load(r + i))));
  }
  uint8_t *dst = rs->out + (size_t)y * (size_t)n;
  if (rs->premultiply) {
    for (int i = 0; i < n; i += 4) {
      float a = acc[i + 3];
      float inv = a > 0.0f ? 255.0f / a : 0.0f;
      dst[i] = clamp8(acc[i] * inv); dst[i + 1] = clamp8(acc[i + 1] * inv);
      dst[i + 2] = clamp8(acc[i + 2] * inv); dst[i + 3] = clamp8(a);
    }
  } else {
    for (int i = 0; i < n; i++) dst[i] = clamp8(acc[i]);
  }
}

/* Feeds one box-shrunk row to Lanczos3 and writes every output row it completes. */
static void lanczos_row(resampler *rs, const float *row) {
  int y = rs->box_in++;
  const contributions *v = &rs->v;
  horizontal(rs, row, rs->ring + (size_t)(y % v->taps) * (size_t)rs->out_w * 4);
  while (rs->rows_out < rs->out_h && v->start[rs->rows_out] + v->count[rs->rows_out] - 1 <= y) {
    emit_row(rs, rs->rows_out++);
  }
}

/* Takes the next source row (RGBA8, in_w pixels). */
ENGINE_EXPORT void rs_push(resampler *rs, const uint8_t *row) {
  int y = rs->rows_in++;
  if (rs->copy) {
    memcpy(rs->out + (size_t)y * (size_t)rs->out_w * 4, row, (size_t)rs->out_w * 4);
    return;
  }
  load_row(rs, row);
  if (rs->ky == 1) {
    lanczos_row(rs, rs->src_row);
    return;
  }
  int n = rs->box_w * 4;
  if (rs->box_rows == 0) memcpy(rs->box_acc, rs->src_row, sizeof(float) * (size_t)n);
  else for (int i = 0; i < n; i += 4) wasm_v128_store(rs->box_acc + i, wasm_f32x4_add(wasm_v128_load(rs->box_acc + i), wasm_v128_load(rs->src_row + i)));
  if (++rs->box_rows < rs->ky && rs->rows_in < rs->in_h) return;
  v128_t scale = wasm_f32x4_splat(1.0f / (float)rs->box_rows);
  for (int i = 0; i < n; i += 4) wasm_v128_store(rs->box_acc + i, wasm_f32x4_mul(wasm_v128_load(rs->box_acc + i), scale));
  rs->box_rows = 0;
  lanczos_row(rs, rs->box_acc);
}


/* Resamples an RGBA8 image already in this memory (the next smaller variant from the last one). */
ENGINE_EXPORT resampler *rs_resize(const uint8_t *src, int in_w, int in_h, int out_w, int out_h, int premultiply) {
  resampler *rs = rs_new(in_w, in_h, out_w, out_h, premultiply);
  for (int y = 0; y < in_h; y++) rs_push(rs, src + (size_t)y * (size_t)in_w * 4);
  return rs;
}

/* Frees the resampler and its output. */
ENGINE_EXPORT void rs_free(resampler *rs) {
  free(rs->h.start); free(rs->h.count); free(rs->h.weights);
  free(rs->v.start); free(rs->v.count); free(rs->v.weights);
  free(rs->src_row); free(rs->box_acc); free(rs->ring); free(rs->acc); free(rs->stage); free(rs->out);
  free(rs);
}
