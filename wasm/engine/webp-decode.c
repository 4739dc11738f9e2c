/*
 * WebP still decoding with libwebp, straight to a reduced size: libwebp's own rescaler (an area
 * average, applied row by row while decoding) does the box part of the resize, so a lossy WebP
 * never exists at full size; the resampler then does Lanczos3. Lossless (VP8L) bitstreams, and
 * VP8L-compressed alpha, are decoded into a window of rows that slides down (our libwebp patch,
 * scripts/build-wasm/patches/libwebp-vp8l-window.patch): LZ77 back-references reach at most
 * 2^20 pixels back, so about 8 MiB of ARGB instead of 4 bytes per pixel of the whole image; a
 * lossy image's alpha plane is a window of 64 rows, as libwebp asks for its rows in order.
 */
#include <stdlib.h>
#include "engine.h"
#include "src/webp/decode.h"

static WebPDecoderConfig config;

static const char *status_text(VP8StatusCode status) {
  switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "corrupt bitstream";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "the data ends early (truncated)";
    default: return "the bitstream could not be decoded";
  }
}

/* Bitstream size, packed as width * 65536 + height. */
ENGINE_EXPORT double wd_size(const uint8_t *data, size_t size) {
  WebPBitstreamFeatures features;
  VP8StatusCode status = WebPGetFeatures(data, size, &features);
  if (status != VP8_STATUS_OK) js_fail(status_text(status));
  return (double)features.width * 65536.0 + (double)features.height;
}

/* Decodes to RGBA8 at width x height (the bitstream's size, or smaller: rescaled while decoding). */
ENGINE_EXPORT uint8_t *wd_decode(const uint8_t *data, size_t size, int width, int height) {
  if (!WebPInitDecoderConfig(&config)) js_fail("decoder version mismatch");
  VP8StatusCode status = WebPGetFeatures(data, size, &config.input);
  if (status != VP8_STATUS_OK) js_fail(status_text(status));
  if (width != config.input.width || height != config.input.height) {
    config.options.use_scaling = 1;
    config.options.scaled_width = width;
    config.options.scaled_height = height;
  }
  config.output.colorspace = MODE_RGBA;
  status = WebPDecode(data, size, &config);
  if (status != VP8_STATUS_OK) js_fail(status_text(status));
  return config.output.u.RGBA.rgba;
}

ENGINE_EXPORT void wd_free(void) { WebPFreeDecBuffer(&config.output); }
