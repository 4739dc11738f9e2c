/*
 * AVIF pixels with dav1d (Debian's source package, built into the engine): the JS side parses the
 * container (workers/resize/pipeline/avif.ts) and hands over each AV1 image's OBUs; dav1d decodes
 * one frame at a time (single-threaded, no frame delay) into its own YUV picture, ≈1.5 B/pixel at
 * 8-bit 4:2:0. Each row is then converted to RGBA8 and pushed straight into the resampler, so no
 * RGBA copy of the image ever exists (film grain is not synthesised: see ad_open). A grid is
 * decoded one row of tiles at a time: only that row's pictures (colour, and alpha) are alive.
 * YUV -> RGB follows libavif: matrix coefficients and range from the container's nclx (else the
 * AV1 sequence header), BT.601 when unspecified, identity as GBR, YCgCo (8) by H.273's equations
 * (full range: the validator refuses what libavif cannot draw), bilinear chroma upsampling
 * (3/4 nearest + 1/4 next sample, per axis), values >8 bits taken at full precision.
 */
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>
#include "dav1d/dav1d.h"
#include "engine.h"

static Dav1dContext *ctx;
static Dav1dPicture *colour, *alpha; /* one per grid column */
static int slots;
/* One row of tile_w floats each: luma (then alpha), Cb, Cr, and two chroma-resolution scratch rows. */
static float *rows_mem, *y_row, *cb_row, *cr_row, *tmp_row, *near_row;

#define UNDECODABLE "the AV1 data could not be decoded (corrupt or unsupported)"

static void no_free(const uint8_t *buf, void *cookie) { (void)buf; (void)cookie; }

/* Opens dav1d for frames of at most `max_pixels` (a frame coded larger is an error), `cols` slots. */
ENGINE_EXPORT void ad_open(unsigned max_pixels, int cols) {
  slots = cols;
  colour = calloc((size_t)cols, sizeof(Dav1dPicture));
  alpha = calloc((size_t)cols, sizeof(Dav1dPicture));
  if (!colour || !alpha) js_fail("out of memory");
  Dav1dSettings s;
  dav1d_default_settings(&s);
  s.n_threads = 1;
  s.max_frame_delay = 1;
  s.all_layers = 0;
  s.frame_size_limit = max_pixels;
  /* Film grain would need a second frame; at variant sizes (≤ 1024 px wide) the resize averages
   * grain away, so the denoised frame is drawn as it is. */
  s.apply_grain = 0;
  if (dav1d_open(&ctx, &s) < 0) js_fail("the AV1 decoder could not start (out of memory)");
}

/* Decodes one AV1 image (its OBUs at data..data+size, owned by the caller) into slot `col`. */
ENGINE_EXPORT void ad_decode(int col, int is_alpha, const uint8_t *data, size_t size) {
  Dav1dPicture *pic = is_alpha ? &alpha[col] : &colour[col];
  dav1d_picture_unref(pic);
  Dav1dData d;
  if (dav1d_data_wrap(&d, data, size, no_free, NULL) < 0) js_fail(UNDECODABLE);
  int got = DAV1D_ERR(EAGAIN);
  while (d.sz > 0) {
    int res = dav1d_send_data(ctx, &d);
    if (res < 0 && res != DAV1D_ERR(EAGAIN)) break;
    got = dav1d_get_picture(ctx, pic);
    if (got != DAV1D_ERR(EAGAIN)) break;
  }
  if (got == DAV1D_ERR(EAGAIN)) got = dav1d_get_picture(ctx, pic); /* drain */
  dav1d_data_unref(&d);
  if (got < 0) js_fail(UNDECODABLE);
}

/* A decoded picture's size: `what` 0 for its width, 1 for its height. */
ENGINE_EXPORT int ad_info(int col, int is_alpha, int what) {
  const Dav1dPicture *pic = is_alpha ? &alpha[col] : &colour[col];
  return what ? pic->p.h : pic->p.w;
}

typedef struct {
  float y_off, y_scale, c_off, c_scale; /* normalised value = (code - off) * scale */
  float cr_r, cb_g, cr_g, cb_b; /* R = Y + cr_r Cr, G = Y - cb_g Cb - cr_g Cr, B = Y + cb_b Cb */
  int identity, ycgco;
} yuv_matrix;

/* Chromaticities (red, green, blue, white x/y) of the colour primaries libavif knows, by code. */
static const float PRIMARIES[][9] = {
  {1, 0.64f, 0.33f, 0.30f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f},
  {4, 0.67f, 0.33f, 0.21f, 0.71f, 0.14f, 0.08f, 0.310f, 0.316f},
  {5, 0.64f, 0.33f, 0.29f, 0.60f, 0.15f, 0.06f, 0.3127f, 0.3290f},
  {6, 0.630f, 0.340f, 0.310f, 0.595f, 0.155f, 0.070f, 0.3127f, 0.3290f},
  {7, 0.630f, 0.340f, 0.310f, 0.595f, 0.155f, 0.070f, 0.3127f, 0.3290f},
  {8, 0.681f, 0.319f, 0.243f, 0.692f, 0.145f, 0.049f, 0.310f, 0.316f},
  {9, 0.708f, 0.292f, 0.170f, 0.797f, 0.131f, 0.046f, 0.3127f, 0.3290f},
  {10, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0.3333f, 0.3333f},
  {11, 0.680f, 0.320f, 0.265f, 0.690f, 0.150f, 0.060f, 0.314f, 0.351f},
  {12, 0.680f, 0.320f, 0.265f, 0.690f, 0.150f, 0.060f, 0.3127f, 0.3290f},
  {22, 0.630f, 0.340f, 0.295f, 0.605f, 0.155f, 0.077f, 0.3127f, 0.3290f},
};

/* Chroma-derived (MC 12): kr/kb from the primaries, as libavif computes them (BT.709's if unknown). */
static void derived_coefficients(int primaries, float *kr, float *kb) {
  const float *p = PRIMARIES[0];
  for (size_t i = 0; i < sizeof PRIMARIES / sizeof PRIMARIES[0]; i++) if ((int)PRIMARIES[i][0] == primaries) p = PRIMARIES[i];
  float rX = p[1], rY = p[2], gX = p[3], gY = p[4], bX = p[5], bY = p[6], wX = p[7], wY = p[8];
  float rZ = 1 - (rX + rY), gZ = 1 - (gX + gY), bZ = 1 - (bX + bY), wZ = 1 - (wX + wY);
  float d = wY * (rX * (gY * bZ - bY * gZ) + gX * (bY * rZ - rY * bZ) + bX * (rY * gZ - gY * rZ));
  *kr = (rY * (wX * (gY * bZ - bY * gZ) + wY * (bX * gZ - gX * bZ) + wZ * (gX * bY - bX * gY))) / d;
  *kb = (bY * (wX * (rY * gZ - gY * rZ) + wY * (gX * rZ - rX * gZ) + wZ * (rX * gY - gX * rY))) / d;
}

/* kr/kb of the matrix coefficients libavif knows; BT.601 for unspecified and the rest. */
static void coefficients(int mc, int primaries, float *kr, float *kb) {
  switch (mc) {
    case 1: *kr = 0.2126f; *kb = 0.0722f; return; /* BT.709 */
    case 4: *kr = 0.30f; *kb = 0.11f; return; /* FCC */
    case 7: *kr = 0.212f; *kb = 0.087f; return; /* SMPTE 240M */
    case 9: case 10: *kr = 0.2627f; *kb = 0.0593f; return; /* BT.2020 */
    case 12: derived_coefficients(primaries, kr, kb); return;
    default: *kr = 0.299f; *kb = 0.114f; return; /* BT.601 */
  }
}

static yuv_matrix make_matrix(int mc, int primaries, int full, int bpc) {
  yuv_matrix m;
  float max = (float)((1 << bpc) - 1), k = (float)(1 << (bpc - 8));
  m.y_off = full ? 0 : 16 * k;
  m.y_scale = full ? 1 / max : 1 / (219 * k);
  m.identity = mc == 0;
  m.ycgco = mc == 8;
  /* libavif reads identity-coded U/V like Y; YCgCo's Cg/Co are centred but scaled like Y. */
  m.c_off = m.identity ? m.y_off : (float)(1 << (bpc - 1));
  m.c_scale = m.identity || m.ycgco ? m.y_scale : full ? 1 / max : 1 / (224 * k);
  float kr, kb;
  coefficients(mc, primaries, &kr, &kb);
  float kg = 1 - kr - kb;
  m.cr_r = 2 * (1 - kr);
  m.cb_b = 2 * (1 - kb);
  m.cb_g = 2 * kb * (1 - kb) / kg;
  m.cr_g = 2 * kr * (1 - kr) / kg;
  return m;
}

/* Row y of a plane, n samples, as floats normalised with (v - off) * scale. */
static void load_row(const void *plane, ptrdiff_t stride, int hbd, int y, int n, float off, float scale, float *out) {
  const uint8_t *row = (const uint8_t *)plane + y * stride;
  if (hbd) {
    for (int x = 0; x < n; x++) out[x] = ((float)((const uint16_t *)row)[x] - off) * scale;
  } else {
    for (int x = 0; x < n; x++) out[x] = ((float)row[x] - off) * scale;
  }
}

static inline uint8_t to8(float v) {
  v = v * 255.0f + 0.5f;
  return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
}

/*
 * One chroma plane's row for luma row y, upsampled to `w` values in `out` (normalised): 3/4 of
 * the nearest chroma sample and 1/4 of the next one towards the luma sample, per subsampled axis
 * (libavif's bilinear), done vertically at chroma resolution, then horizontally.
 */
static void chroma_row(const Dav1dPicture *p, int plane, int y, int w, const yuv_matrix *m, float *out) {
  int sx = p->p.layout == DAV1D_PIXEL_LAYOUT_I444 ? 0 : 1, sy = p->p.layout == DAV1D_PIXEL_LAYOUT_I420 ? 1 : 0;
  int cw = (w + sx) >> sx, ch = (p->p.h + sy) >> sy, hbd = p->p.bpc > 8;
  int cy = y >> sy, ny = cy;
  if (sy) ny = (y & 1) ? (cy + 1 < ch ? cy + 1 : cy) : (cy > 0 ? cy - 1 : cy);
  float *v = sx ? tmp_row : out;
  load_row(p->data[plane], p->stride[1], hbd, cy, cw, m->c_off, m->c_scale, v);
  if (ny != cy) {
    load_row(p->data[plane], p->stride[1], hbd, ny, cw, m->c_off, m->c_scale, near_row);
    for (int x = 0; x < cw; x++) v[x] = 0.75f * v[x] + 0.25f * near_row[x];
  }
  if (!sx) return;
  for (int k = 0; k < cw; k++) {
    float left = v[k > 0 ? k - 1 : 0], right = v[k + 1 < cw ? k + 1 : k];
    out[2 * k] = 0.75f * v[k] + 0.25f * left;
    if (2 * k + 1 < w) out[2 * k + 1] = 0.75f * v[k] + 0.25f * right;
  }
}

/* to8 on four values at once. */
static inline v128_t to8x4(v128_t v) {
  v = wasm_f32x4_add(wasm_f32x4_mul(v, wasm_f32x4_splat(255.0f)), wasm_f32x4_splat(0.5f));
  v = wasm_f32x4_min(wasm_f32x4_max(v, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(255.0f));
  return wasm_i32x4_trunc_sat_f32x4(v);
}

/* The matrix step for whole groups of four pixels (alpha 255); returns how many were done. */
static int simd_rgb(const yuv_matrix *m, int w, uint8_t *out) {
  v128_t crr = wasm_f32x4_splat(m->cr_r), cbg = wasm_f32x4_splat(m->cb_g), crg = wasm_f32x4_splat(m->cr_g), cbb = wasm_f32x4_splat(m->cb_b);
  v128_t opaque = wasm_i32x4_splat(255);
  int x = 0;
  for (; x + 4 <= w; x += 4) {
    v128_t yy = wasm_v128_load(y_row + x), cb = wasm_v128_load(cb_row + x), cr = wasm_v128_load(cr_row + x);
    v128_t r = to8x4(wasm_f32x4_add(yy, wasm_f32x4_mul(crr, cr)));
    v128_t g = to8x4(wasm_f32x4_sub(wasm_f32x4_sub(yy, wasm_f32x4_mul(cbg, cb)), wasm_f32x4_mul(crg, cr)));
    v128_t b = to8x4(wasm_f32x4_add(yy, wasm_f32x4_mul(cbb, cb)));
    /* r0..r3 g0..g3 b0..b3 a0..a3, then interleaved to r0 g0 b0 a0 r1 ... */
    v128_t planar = wasm_u8x16_narrow_i16x8(wasm_u16x8_narrow_i32x4(r, g), wasm_u16x8_narrow_i32x4(b, opaque));
    wasm_v128_store(out + 4 * x, wasm_i8x16_shuffle(planar, planar, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
  }
  return x;
}

/* Converts row y of the picture in slot col (and its alpha) to RGBA8 at `out`, `w` pixels. */
static void convert_row(int col, int y, int w, const yuv_matrix *m, const yuv_matrix *am, uint8_t *out) {
  const Dav1dPicture *p = &colour[col];
  int hbd = p->p.bpc > 8, mono = p->p.layout == DAV1D_PIXEL_LAYOUT_I400;
  load_row(p->data[0], p->stride[0], hbd, y, w, m->y_off, m->y_scale, y_row);
  if (mono) {
    for (int x = 0; x < w; x++) out[4 * x] = out[4 * x + 1] = out[4 * x + 2] = to8(y_row[x]);
  } else {
    chroma_row(p, 1, y, w, m, cb_row);
    chroma_row(p, 2, y, w, m, cr_row);
    if (m->identity) {
      for (int x = 0; x < w; x++) {
        out[4 * x] = to8(cr_row[x]);
        out[4 * x + 1] = to8(y_row[x]);
        out[4 * x + 2] = to8(cb_row[x]);
      }
    } else if (m->ycgco) {
      /* Cg in the U plane, Co in the V plane (H.273 equations 47 to 50). */
      for (int x = 0; x < w; x++) {
        float yy = y_row[x], cg = cb_row[x], co = cr_row[x], t = yy - cg;
        out[4 * x] = to8(t + co);
        out[4 * x + 1] = to8(yy + cg);
        out[4 * x + 2] = to8(t - co);
      }
    } else {
      int x = simd_rgb(m, w, out);
      for (; x < w; x++) {
        float yy = y_row[x], cb = cb_row[x], cr = cr_row[x];
        out[4 * x] = to8(yy + m->cr_r * cr);
        out[4 * x + 1] = to8(yy - m->cb_g * cb - m->cr_g * cr);
        out[4 * x + 2] = to8(yy + m->cb_b * cb);
      }
    }
  }
  const Dav1dPicture *a = &alpha[col];
  if (!am || !a->data[0]) {
    for (int x = 0; x < w; x++) out[4 * x + 3] = 255;
    return;
  }
  load_row(a->data[0], a->stride[0], a->p.bpc > 8, y, w, am->y_off, am->y_scale, y_row);
  for (int x = 0; x < w; x++) out[4 * x + 3] = to8(y_row[x]);
}

/*
 * Pushes `rows` canvas rows of the current row of tiles (every slot, each as wide as the decoded
 * tiles, the last one cut at canvas_w) into the resampler. mc / primaries / full: the container's nclx, or -1 for
 * the AV1 sequence header's. Returns 1 if any alpha value is below 255.
 */
ENGINE_EXPORT int ad_emit(resampler *rs, int canvas_w, int rows, int mc, int primaries, int full, int with_alpha) {
  const Dav1dPicture *p = &colour[0];
  const int cols = slots, tile_w = p->p.w;
  const Dav1dSequenceHeader *seq = p->seq_hdr;
  yuv_matrix m = make_matrix(mc >= 0 ? mc : (int)seq->mtrx, primaries >= 0 ? primaries : (int)seq->pri, full >= 0 ? full : seq->color_range, p->p.bpc);
  yuv_matrix am;
  if (with_alpha) am = make_matrix(1, 1, alpha[0].seq_hdr->color_range, alpha[0].p.bpc);
  if (!rows_mem) {
    rows_mem = malloc(sizeof(float) * 5 * (size_t)tile_w);
    if (!rows_mem) js_fail("out of memory");
    y_row = rows_mem;
    cb_row = y_row + tile_w;
    cr_row = cb_row + tile_w;
    tmp_row = cr_row + tile_w;
    near_row = tmp_row + tile_w;
  }
  int transparent = 0;
  for (int y = 0; y < rows; y++) {
    uint8_t *stage = rs_stage(rs);
    for (int c = 0; c < cols; c++) {
      int x0 = c * tile_w, w = canvas_w - x0 < tile_w ? canvas_w - x0 : tile_w;
      convert_row(c, y, w, &m, with_alpha ? &am : NULL, stage + 4 * x0);
    }
    if (with_alpha) for (int x = 0; x < canvas_w && !transparent; x++) transparent = stage[4 * x + 3] != 255;
    rs_push(rs, stage);
  }
  return transparent;
}

/* Drops the pictures of every slot (after a row of tiles has been emitted). */
ENGINE_EXPORT void ad_release(void) {
  for (int c = 0; c < slots; c++) {
    dav1d_picture_unref(&colour[c]);
    dav1d_picture_unref(&alpha[c]);
  }
}

ENGINE_EXPORT void ad_close(void) {
  ad_release();
  dav1d_close(&ctx);
  free(colour);
  free(alpha);
  free(rows_mem);
  colour = alpha = NULL;
  rows_mem = NULL;
  slots = 0;
}
