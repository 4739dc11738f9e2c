/*
 * A GIF's first frame: LZW decoding, interlaced row order, clipping to the logical screen and
 * compositing (transparent where the frame does not cover the screen, where its transparent
 * index is, and past the end of a truncated stream), straight into the resampler row by row.
 * Holds only the frame's on-screen indices (1 byte per pixel, at most the screen) and a 64 KiB
 * input chunk.
 *
 * All frames (animation): gif_canvas_open / gif_canvas_frame / gif_canvas_close draw every frame
 * on one RGBA canvas of the screen's size, as browsers show it (transparent start, transparent
 * index leaves the canvas as it is, disposal methods applied before the next frame). Holds the
 * canvas (4 bytes per screen pixel), the on-screen rectangle saved for disposal 3 and one row of
 * the frame's indices.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"

static int any_transparent;

typedef struct {
  uint8_t *indices; /* on-screen part of the frame, vw x vh */
  int *reached; /* pixels of each on-screen frame row the data reached */
  int left, top, fw, fh, vx0, vx1, vy0, vy1, interlaced;
  int stored; /* stored rows completed */
  /* Canvas mode (gif_canvas_frame): rows are drawn on the canvas instead of kept as indices. */
  uint8_t *canvas;
  int screen_w;
  const uint8_t *palette;
  int colours, transparent;
} frame_sink;

/* Where the n-th stored row of an interlaced frame goes: 0, 8, 16...; 4, 12...; 2, 6...; odd rows. */
static int display_row(int n, int h) {
  int p1 = (h + 7) / 8, p2 = h > 4 ? (h - 4 + 7) / 8 : 0, p3 = h > 2 ? (h - 2 + 3) / 4 : 0;
  if (n < p1) return n * 8;
  if (n < p1 + p2) return 4 + (n - p1) * 8;
  if (n < p1 + p2 + p3) return 2 + (n - p1 - p2) * 4;
  return 1 + (n - p1 - p2 - p3) * 2;
}

static void take_row(frame_sink *s, const uint8_t *row, int count) {
  int y = s->top + (s->interlaced ? display_row(s->stored, s->fh) : s->stored);
  s->stored++;
  if (y < s->vy0 || y >= s->vy1 || s->vx1 <= s->vx0) return;
  int vw = s->vx1 - s->vx0;
  if (s->canvas) {
    /* Pixels past the end of a short row (truncated stream) and transparent ones stay as they are. */
    int end = s->left + count < s->vx1 ? s->left + count : s->vx1;
    uint8_t *o = s->canvas + ((size_t)y * s->screen_w + s->vx0) * 4;
    for (int x = s->vx0; x < end; x++, o += 4) {
      int index = row[x - s->left];
      if (index == s->transparent) continue;
      if (index < s->colours) { o[0] = s->palette[index * 3]; o[1] = s->palette[index * 3 + 1]; o[2] = s->palette[index * 3 + 2]; }
      else { o[0] = o[1] = o[2] = 0; } /* outside the palette: black, as gif_decode */
      o[3] = 255;
    }
    return;
  }
  memcpy(s->indices + (size_t)(y - s->vy0) * vw, row + (s->vx0 - s->left), (size_t)vw);
  s->reached[y - s->vy0] = count;
}

#define INPUT_CHUNK 65536
static uint8_t input[INPUT_CHUNK];

/*
 * The LZW data is pulled through `read_input` in chunks (never copied whole). Returns -1 for
 * corrupt LZW data, 0 otherwise (a short stream is not an error here).
 */
static int lzw(frame_sink *s, int min_code, uint8_t *row) {
  uint16_t prefix[4096];
  uint8_t suffix[4096], stack[4097];
  int clear = 1 << min_code, size = min_code + 1, next = clear + 2, prev = -1, first = 0;
  int written = 0, have = 0, at = 0;
  uint32_t acc = 0;
  int bits = 0;
  while (s->stored < s->fh) {
    if (at == have) {
      have = js_read_input(input, INPUT_CHUNK);
      at = 0;
      if (have <= 0) break;
    }
    acc |= (uint32_t)input[at++] << bits;
    bits += 8;
    while (bits >= size && s->stored < s->fh) {
      int code = (int)(acc & ((1u << size) - 1));
      acc >>= size;
      bits -= size;
      if (code == clear) { size = min_code + 1; next = clear + 2; prev = -1; continue; }
      if (code == clear + 1) goto done;
      int sp = 0, c = code;
      if (prev < 0) {
        if (code >= clear) return -1;
        stack[sp++] = (uint8_t)(first = code);
      } else {
        if (c >= next) {
          if (c > next) return -1;
          stack[sp++] = (uint8_t)first;
          c = prev;
        }
        while (c >= clear) { stack[sp++] = suffix[c]; c = prefix[c]; }
        stack[sp++] = (uint8_t)(first = c);
        if (next < 4096) {
          prefix[next] = (uint16_t)prev;
          suffix[next] = (uint8_t)first;
          if (++next == (1 << size) && size < 12) size++;
        }
      }
      prev = code;
      while (sp > 0 && s->stored < s->fh) {
        row[written++] = stack[--sp];
        if (written == s->fw) { take_row(s, row, written); written = 0; }
      }
    }
  }
done:
  if (written > 0 && s->stored < s->fh) take_row(s, row, written);
  return 0;
}

/*
 * The frame's LZW sub-block payloads come through `read_input`. palette: `colours` RGB triples.
 * transparent_index: -1 for none. Returns the resampler (to target_w x target_h), or NULL for
 * corrupt data; gif_transparent() tells whether any pixel was not opaque.
 */
ENGINE_EXPORT resampler *gif_decode(int min_code, int left, int top, int fw, int fh,
                                    int interlaced, const uint8_t *palette, int colours, int transparent_index,
                                    int screen_w, int screen_h, int target_w, int target_h) {
  frame_sink s = {0};
  s.left = left; s.top = top; s.fw = fw; s.fh = fh; s.interlaced = interlaced;
  s.vx0 = left > 0 ? left : 0; s.vx1 = left + fw < screen_w ? left + fw : screen_w;
  s.vy0 = top > 0 ? top : 0; s.vy1 = top + fh < screen_h ? top + fh : screen_h;
  int vw = s.vx1 > s.vx0 ? s.vx1 - s.vx0 : 0, vh = s.vy1 > s.vy0 ? s.vy1 - s.vy0 : 0;
  s.indices = malloc((size_t)vw * (size_t)vh + 1);
  s.reached = calloc((size_t)vh + 1, sizeof(int));
  uint8_t *row = malloc((size_t)fw + 1);
  int bad = lzw(&s, min_code, row);
  free(row);
  if (bad) { free(s.indices); free(s.reached); return NULL; }

  resampler *rs = rs_new(screen_w, screen_h, target_w, target_h, 1);
  uint8_t *out = rs_stage(rs);
  any_transparent = 0;
  for (int y = 0; y < screen_h; y++) {
    memset(out, 0, (size_t)screen_w * 4);
    int opaque = 0;
    if (y >= s.vy0 && y < s.vy1) {
      const uint8_t *ix = s.indices + (size_t)(y - s.vy0) * vw;
      int end = left + s.reached[y - s.vy0];
      if (end > s.vx1) end = s.vx1;
      for (int x = s.vx0; x < end; x++) {
        int index = ix[x - s.vx0];
        if (index == transparent_index) continue;
        uint8_t *o = out + (size_t)x * 4;
        if (index < colours) { o[0] = palette[index * 3]; o[1] = palette[index * 3 + 1]; o[2] = palette[index * 3 + 2]; }
        o[3] = 255;
        opaque++;
      }
    }
    if (opaque < screen_w) any_transparent = 1;
    rs_push(rs, out);
  }
  free(s.indices);
  free(s.reached);
  return rs;
}

ENGINE_EXPORT int gif_transparent(void) { return any_transparent; }

/* The animation canvas, and what the previous frame asked to be done with its rectangle. */
static struct {
  uint8_t *pixels; /* w x h RGBA8, not premultiplied */
  int w, h;
  int disposal; /* the previous frame's: 2 clear its rectangle, 3 restore `saved`; else nothing */
  int x0, y0, x1, y1; /* the previous frame's on-screen rectangle */
  uint8_t *saved; /* disposal 3: the rectangle's pixels before the previous frame was drawn */
  size_t saved_cap;
} cv;

ENGINE_EXPORT void gif_canvas_close(void) {
  free(cv.pixels);
  free(cv.saved);
  memset(&cv, 0, sizeof cv);
}

/* A transparent (0,0,0,0) screen_w x screen_h RGBA canvas; one at a time. Returns its pixels. */
ENGINE_EXPORT uint8_t *gif_canvas_open(int screen_w, int screen_h) {
  gif_canvas_close();
  cv.pixels = calloc((size_t)screen_w * (size_t)screen_h + 1, 4);
  if (!cv.pixels) js_fail("out of memory");
  cv.w = screen_w;
  cv.h = screen_h;
  return cv.pixels;
}

/*
 * Applies the previous frame's disposal, then draws this frame (LZW data through `read_input`,
 * as gif_decode) on the canvas. `disposal` is this frame's (GCE): 2 clears its rectangle to
 * transparent, 3 restores what was under it, others leave it; applied by the next call. Returns
 * 1, or 0 for corrupt LZW data (an invalid code).
 */
ENGINE_EXPORT int gif_canvas_frame(int min_code, int left, int top, int fw, int fh, int interlaced,
                                   const uint8_t *palette, int colours, int transparent_index, int disposal) {
  size_t stride = (size_t)cv.w * 4;
  if (cv.x1 > cv.x0 && cv.y1 > cv.y0 && (cv.disposal == 2 || cv.disposal == 3)) {
    size_t span = (size_t)(cv.x1 - cv.x0) * 4;
    for (int y = cv.y0; y < cv.y1; y++) {
      uint8_t *o = cv.pixels + (size_t)y * stride + (size_t)cv.x0 * 4;
      if (cv.disposal == 2) memset(o, 0, span);
      else memcpy(o, cv.saved + (size_t)(y - cv.y0) * span, span);
    }
  }
  frame_sink s = {0};
  s.left = left; s.top = top; s.fw = fw; s.fh = fh; s.interlaced = interlaced;
  s.vx0 = left > 0 ? left : 0; s.vx1 = left + fw < cv.w ? left + fw : cv.w;
  s.vy0 = top > 0 ? top : 0; s.vy1 = top + fh < cv.h ? top + fh : cv.h;
  if (s.vx1 < s.vx0) s.vx1 = s.vx0;
  if (s.vy1 < s.vy0) s.vy1 = s.vy0;
  s.canvas = cv.pixels; s.screen_w = cv.w;
  s.palette = palette; s.colours = colours; s.transparent = transparent_index;
  cv.disposal = disposal;
  cv.x0 = s.vx0; cv.x1 = s.vx1; cv.y0 = s.vy0; cv.y1 = s.vy1;
  if (disposal == 3 && s.vx1 > s.vx0 && s.vy1 > s.vy0) {
    size_t span = (size_t)(s.vx1 - s.vx0) * 4, need = span * (size_t)(s.vy1 - s.vy0);
    if (need > cv.saved_cap) {
      free(cv.saved);
      cv.saved = malloc(need);
      cv.saved_cap = cv.saved ? need : 0;
      if (!cv.saved) js_fail("out of memory");
    }
    for (int y = s.vy0; y < s.vy1; y++)
      memcpy(cv.saved + (size_t)(y - s.vy0) * span, cv.pixels + (size_t)y * stride + (size_t)s.vx0 * 4, span);
  }
  uint8_t *row = malloc((size_t)fw + 1);
  if (!row) js_fail("out of memory");
  int bad = lzw(&s, min_code, row);
  free(row);
  return bad ? 0 : 1;
}
