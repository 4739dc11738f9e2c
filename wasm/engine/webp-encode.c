/*
 * Still WebP encoding with libwebp: lossy at a quality and method, every other setting libwebp's
 * default (WebPConfigInit: the same configuration sharp's and Squoosh's encoders start from),
 * alpha kept losslessly when the picture has any. The output stays here until we_free.
 */
#include <stdlib.h>
#include "engine.h"
#include "src/webp/encode.h"

static WebPMemoryWriter written;

ENGINE_EXPORT void we_free(void) { WebPMemoryWriterClear(&written); }

/* Encodes width x height RGBA8 (not premultiplied); returns a pointer to the WebP, we_size its length. */
ENGINE_EXPORT uint8_t *we_encode(const uint8_t *rgba, int width, int height, float quality, int method) {
  WebPConfig config;
  WebPPicture picture;
  we_free();
  if (!WebPConfigInit(&config) || !WebPPictureInit(&picture)) js_fail("encoder version mismatch");
  config.quality = quality;
  config.method = method;
  if (!WebPValidateConfig(&config)) js_fail("invalid encoder parameters (quality or method)");
  picture.width = width;
  picture.height = height;
  if (!WebPPictureImportRGBA(&picture, rgba, width * 4)) {
    WebPPictureFree(&picture);
    js_fail("out of memory");
  }
  WebPMemoryWriterInit(&written);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &written;
  int ok = WebPEncode(&config, &picture);
  int error = picture.error_code;
  WebPPictureFree(&picture);
  if (!ok) {
    we_free();
    js_fail(error == VP8_ENC_ERROR_OUT_OF_MEMORY || error == VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY ? "out of memory" : "the picture could not be encoded");
  }
  return written.mem;
}

ENGINE_EXPORT int we_size(void) { return (int)written.size; }
