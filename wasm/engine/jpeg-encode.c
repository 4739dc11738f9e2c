/*
 * Baseline JPEG encoding with libjpeg-turbo, the settings sharp uses by default: 4:2:0 chroma,
 * optimised Huffman tables, no progressive scans, JFIF only (no EXIF/ICC is written).
 */
#include <stdlib.h>
#include "engine.h"

static unsigned long encoded_size;

ENGINE_EXPORT unsigned char *je_encode(const uint8_t *rgba, int width, int height, int quality) {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr err;
  unsigned char *out = NULL;
  encoded_size = 0;
  cinfo.err = engine_error_mgr(&err);
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &out, &encoded_size);
  cinfo.image_width = (JDIMENSION)width;
  cinfo.image_height = (JDIMENSION)height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_RGBA;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = (JSAMPROW)(rgba + (size_t)cinfo.next_scanline * (size_t)width * 4);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return out;
}

ENGINE_EXPORT unsigned long je_size(void) { return encoded_size; }

/* Memory for the JS side: never NULL (address 0 is valid WebAssembly memory, so a caller writing
 * to a failed allocation would corrupt the engine silently); out of memory fails the call. */
ENGINE_EXPORT void *eng_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) js_fail("out of memory");
  return p;
}
ENGINE_EXPORT void eng_free(void *p) { free(p); }
