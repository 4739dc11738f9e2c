/*
 * PNG scanlines: undo one row's filter and expand it to RGBA8, for every colour type and bit
 * depth (16-bit samples keep their high byte, as libvips does; low-depth grey is scaled to
 * 0..255; palettes and tRNS become alpha). The caller inflates rows (inflate.c) into `cur`.
 */
#include <string.h>
#include "engine.h"

static int colour, depth;
static uint8_t palette[768], trns[256];
static int palette_len, trns_len;

/* The header's colour type and depth, its PLTE and tRNS payloads (either may be empty). */
ENGINE_EXPORT void pr_setup(int colour_type, int bit_depth, const uint8_t *plte, int plte_len, const uint8_t *t, int t_len) {
  colour = colour_type;
  depth = bit_depth;
  palette_len = plte_len > 768 ? 768 : plte_len;
  trns_len = t_len > 256 ? 256 : t_len;
  memset(palette, 0, sizeof palette);
  memcpy(palette, plte, (size_t)palette_len);
  memcpy(trns, t, (size_t)trns_len);
}

static int paeth(int a, int b, int c) {
  int p = a + b - c, pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p, pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static int unfilter(uint8_t *row, const uint8_t *prev, int n, int bpp, int filter) {
  switch (filter) {
    case 0: return 0;
    case 1: for (int i = bpp; i < n; i++) row[i] += row[i - bpp]; return 0;
    case 2: for (int i = 0; i < n; i++) row[i] += prev[i]; return 0;
    case 3:
      for (int i = 0; i < n; i++) row[i] += (uint8_t)(((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1);
      return 0;
    case 4:
      for (int i = 0; i < n; i++) row[i] += (uint8_t)paeth(i >= bpp ? row[i - bpp] : 0, prev[i], i >= bpp ? prev[i - bpp] : 0);
      return 0;
    default: return -1;
  }
}

static int sample(const uint8_t *raw, int i) { return depth == 16 ? (raw[i] << 8) | raw[i + 1] : raw[i]; }

/*
 * cur and prev hold 1 + stride bytes (filter byte first); prev is the previous unfiltered row of
 * the pass (zeros for its first row). Writes width RGBA8 pixels to out. Returns -1 for an unknown
 * filter, else 1 when a pixel is not fully opaque, 0 otherwise.
 */
ENGINE_EXPORT int pr_row(uint8_t *cur, const uint8_t *prev, int stride, int width, uint8_t *out) {
  static const int channels[7] = {1, 0, 3, 1, 2, 0, 4};
  int bits = channels[colour] * depth;
  uint8_t *raw = cur + 1;
  if (unfilter(raw, prev + 1, stride - 1, bits < 8 ? 1 : bits / 8, cur[0]) < 0) return -1;
  int step = depth == 16 ? 2 : 1, max = (1 << depth) - 1, seen = 255;
  if (colour == 0 || colour == 3) {
    int key = trns_len >= 2 && colour == 0 ? (depth == 16 ? (trns[0] << 8) | trns[1] : trns[1]) : -1;
    for (int x = 0; x < width; x++, out += 4) {
      int v = depth < 8 ? (raw[(x * depth) >> 3] >> (8 - depth - ((x * depth) & 7))) & max : sample(raw, x * step);
      if (colour == 3) {
        out[0] = v * 3 < palette_len ? palette[v * 3] : 0;
        out[1] = v * 3 < palette_len ? palette[v * 3 + 1] : 0;
        out[2] = v * 3 < palette_len ? palette[v * 3 + 2] : 0;
        out[3] = v < trns_len ? trns[v] : 255;
      } else {
        out[0] = out[1] = out[2] = (uint8_t)(depth < 8 ? (v * 255 + max / 2) / max : depth == 16 ? v >> 8 : v);
        out[3] = v == key ? 0 : 255;
      }
      seen &= out[3];
    }
  } else {
    int n = channels[colour] * step;
    int keyed = colour == 2 && trns_len >= 6;
    int kr = keyed ? (depth == 16 ? (trns[0] << 8) | trns[1] : trns[1]) : 0;
    int kg = keyed ? (depth == 16 ? (trns[2] << 8) | trns[3] : trns[3]) : 0;
    int kb = keyed ? (depth == 16 ? (trns[4] << 8) | trns[5] : trns[5]) : 0;
    for (int x = 0, i = 0; x < width; x++, i += n, out += 4) {
      if (colour == 4) {
        out[0] = out[1] = out[2] = raw[i];
        out[3] = raw[i + step];
      } else {
        out[0] = raw[i];
        out[1] = raw[i + step];
        out[2] = raw[i + 2 * step];
        out[3] = colour == 6 ? raw[i + 3 * step]
                 : keyed && sample(raw, i) == kr && sample(raw, i + step) == kg && sample(raw, i + 2 * step) == kb ? 0 : 255;
      }
      seen &= out[3];
    }
  }
  return seen != 255;
}
