/*
 * Streaming, scaled JPEG decoding with libjpeg-turbo: the compressed input is pulled from JS in
 * small chunks (never copied whole into WebAssembly memory), decoded at N/8 scale in the DCT (so a
 * 72 MP photo becomes at most a few MP before any pixel is stored), and each scanline goes straight
 * into the resampler, which only keeps the rows its filter needs. Progressive files must keep
 * their DCT coefficients until the last scan: jpeg-coefs.c keeps only what the scaled IDCT reads.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "color.h"
#include "jerror.h"

#define INPUT_CHUNK 65536

typedef struct {
  struct jpeg_source_mgr pub;
  JOCTET buf[INPUT_CHUNK];
} chunk_source;

static struct jpeg_decompress_struct dinfo;
static struct jpeg_error_mgr derr;
static chunk_source source;

static void on_error(j_common_ptr c) {
  char message[JMSG_LENGTH_MAX];
  (*c->err->format_message)(c, message);
  js_fail(message);
  __builtin_trap();
}

static void on_emit(j_common_ptr c, int level) {
  if (level >= 0) return; /* trace messages */
  char message[JMSG_LENGTH_MAX];
  (*c->err->format_message)(c, message);
  c->err->num_warnings++;
  js_warning(message);
}

struct jpeg_error_mgr *engine_error_mgr(struct jpeg_error_mgr *err) {
  jpeg_std_error(err);
  err->error_exit = on_error;
  err->emit_message = on_emit;
  return err;
}

static void init_source(j_decompress_ptr c) { (void)c; }
static void term_source(j_decompress_ptr c) { (void)c; }

static boolean fill_input(j_decompress_ptr c) {
  int n = js_read_input(source.buf, INPUT_CHUNK);
  if (n <= 0) {
    /* Truncated file: warn (the JS side rejects it) and end the image cleanly. */
    WARNMS(c, JWRN_JPEG_EOF);
    source.buf[0] = 0xFF;
    source.buf[1] = JPEG_EOI;
    n = 2;
  }
  source.pub.next_input_byte = source.buf;
  source.pub.bytes_in_buffer = (size_t)n;
  return TRUE;
}

static void skip_input(j_decompress_ptr c, long count) {
  while (count > (long)source.pub.bytes_in_buffer) {
    count -= (long)source.pub.bytes_in_buffer;
    fill_input(c);
  }
  if (count > 0) {
    source.pub.next_input_byte += count;
    source.pub.bytes_in_buffer -= (size_t)count;
  }
}

/* Reads the header; returns the stored width and height packed as width * 65536 + height. */
ENGINE_EXPORT double jd_begin(void) {
  dinfo.err = engine_error_mgr(&derr);
  jpeg_create_decompress(&dinfo);
  source.pub.init_source = init_source;
  source.pub.fill_input_buffer = fill_input;
  source.pub.skip_input_data = skip_input;
  source.pub.resync_to_restart = jpeg_resync_to_restart;
  source.pub.term_source = term_source;
  source.pub.bytes_in_buffer = 0;
  source.pub.next_input_byte = NULL;
  dinfo.src = &source.pub;
  jpeg_save_markers(&dinfo, JPEG_APP0 + 2, 0xFFFF); /* ICC_PROFILE chunks */
  jpeg_read_header(&dinfo, TRUE);
  return (double)dinfo.image_width * 65536.0 + (double)dinfo.image_height;
}

/* 1 for a progressive (multi-scan) file, 0 for a baseline one; after jd_begin. */
ENGINE_EXPORT int jd_progressive(void) { return dinfo.progressive_mode ? 1 : 0; }

/* Adobe CMYK/YCCK JPEGs store inverted ink values; without a usable ICC profile, R = C * K / 255. */
static void cmyk_to_rgba(uint8_t *row, int width, int inverted) {
  for (int x = 0; x < width; x++, row += 4) {
    int c = row[0], m = row[1], y = row[2], k = row[3];
    if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
    row[0] = (uint8_t)((c * k + 127) / 255);
    row[1] = (uint8_t)((m * k + 127) / 255);
    row[2] = (uint8_t)((y * k + 127) / 255);
    row[3] = 255;
  }
}

/*
 * Opens the embedded ICC profile (color.c). CMYK is converted row by row while decoding; an RGB
 * or grey profile's transform is left open for the caller to apply to the resized image.
 */
static int open_profile(int cmyk) {
  JOCTET *icc = NULL;
  unsigned int size = 0;
  if (!jpeg_read_icc_profile(&dinfo, &icc, &size)) return 0;
  int kind = cmyk ? (dinfo.saw_Adobe_marker ? CC_CMYK_INVERTED : CC_CMYK) : dinfo.jpeg_color_space == JCS_GRAYSCALE ? CC_GREY : CC_RGB;
  int status = cc_open(icc, (int)size, kind);
  free(icc);
  return status == CC_ACTIVE;
}

/*
 * Decodes at num/8 scale and resamples to out_w x out_h (the scaled size itself: a plain copy).
 * A progressive file's coefficients may take at most `coef_budget` bytes. Returns the resampler,
 * whose output holds the RGBA8 result; an RGB or grey profile's transform is left open for the
 * caller (color.c).
 */
ENGINE_EXPORT resampler *jd_decode(int num, int out_w, int out_h, double coef_budget) {
  int cmyk = dinfo.jpeg_color_space == JCS_CMYK || dinfo.jpeg_color_space == JCS_YCCK;
  int managed = open_profile(cmyk);
  dinfo.scale_num = (unsigned int)num;
  dinfo.scale_denom = 8;
  dinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  dinfo.dct_method = JDCT_ISLOW;
  /* Smoothing guesses missing AC coefficients of an unfinished file from their neighbours: the
   * compact store does not keep those, and a file missing scans is refused anyway. */
  dinfo.do_block_smoothing = FALSE;
  jd_compact_coefficients(&dinfo, coef_budget);
  jpeg_start_decompress(&dinfo);
  resampler *rs = rs_new((int)dinfo.output_width, (int)dinfo.output_height, out_w, out_h, 0);
  uint8_t *row = rs_stage(rs);
  while (dinfo.output_scanline < dinfo.output_height) {
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&dinfo, rows, 1);
    if (cmyk && managed) cc_apply(row, (int)dinfo.output_width);
    else if (cmyk) cmyk_to_rgba(row, (int)dinfo.output_width, dinfo.saw_Adobe_marker);
    rs_push(rs, row);
  }
  if (cmyk) cc_close();
  jpeg_finish_decompress(&dinfo);
  jpeg_destroy_decompress(&dinfo);
  return rs;
}

/* Size libjpeg gives at num/8 scale (ceil(w * num / 8)), packed as width * 65536 + height. */
ENGINE_EXPORT double jd_scaled_size(int num) {
  dinfo.scale_num = (unsigned int)num;
  dinfo.scale_denom = 8;
  jpeg_calc_output_dimensions(&dinfo);
  return (double)dinfo.output_width * 65536.0 + (double)dinfo.output_height;
}
