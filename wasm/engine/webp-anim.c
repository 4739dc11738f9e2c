/*
 * Animated WebP with libwebp: encoding with WebPAnimEncoder (src/mux/anim_encode.c), which finds
 * each frame's changed rectangle and blending/disposal against the previous canvas and assembles
 * the ANIM/ANMF chunks, and decoding with WebPAnimDecoder (src/demux/anim_decode.c), which
 * composites every frame on the canvas. One encoder and one decoder at a time, held here between
 * calls; failures go to JS through js_fail after freeing what the call itself allocated.
 */
#include <stdlib.h>
#include <string.h>
#include "engine.h"
#include "src/webp/encode.h"
#include "src/webp/mux.h"
#include "src/webp/demux.h"

/* ------------------------------------------------------------------------------------------ */
/* Encoder */

static WebPAnimEncoder *encoder;
static WebPConfig encoder_config;
static int encoder_width, encoder_height;
static WebPData encoded;

/* Frees the encoder and the assembled WebP, if any. */
ENGINE_EXPORT void ae_free(void) {
  if (encoder) WebPAnimEncoderDelete(encoder);
  encoder = NULL;
  WebPDataClear(&encoded);
}

/* Fails with the encoder's own message when it has one (e.g. "ERROR adding frame: ..."). */
static void encoder_fail(const char *fallback) {
  const char *message = encoder ? WebPAnimEncoderGetError(encoder) : NULL;
  js_fail(message && *message ? message : fallback);
}

/*
 * Opens an animation encoder for width x height frames (closing any previous one): lossy at
 * `quality` (0-100) with `method` (0-6), never lossless/mixed, no size minimisation, libwebp's
 * default key-frame spacing, background transparent black, loop_count 0 = forever.
 */
ENGINE_EXPORT int ae_new(int width, int height, float quality, int method, int loop_count) {
  WebPAnimEncoderOptions options;
  ae_free();
  if (width <= 0 || height <= 0 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION)
    js_fail("invalid animation size");
  if (loop_count < 0 || loop_count > 65535) js_fail("invalid loop count");
  if (!WebPConfigInit(&encoder_config) || !WebPAnimEncoderOptionsInit(&options)) js_fail("encoder version mismatch");
  encoder_config.lossless = 0;
  encoder_config.quality = quality;
  encoder_config.method = method;
  if (!WebPValidateConfig(&encoder_config)) js_fail("invalid encoder parameters (quality or method)");
  options.anim_params.loop_count = loop_count;
  options.anim_params.bgcolor = 0; /* transparent */
  options.minimize_size = 0;
  options.allow_mixed = 0;
  options.verbose = 0;
  encoder = WebPAnimEncoderNew(width, height, &options);
  if (!encoder) js_fail("out of memory");
  encoder_width = width;
  encoder_height = height;
  return 1;
}

/* Adds one frame (width x height RGBA8, not premultiplied), displayed from timestamp_ms. */
ENGINE_EXPORT int ae_add(const uint8_t *rgba, int timestamp_ms) {
  WebPPicture picture;
  int ok;
  if (!encoder) js_fail("no animation encoder is open");
  if (encoded.bytes) js_fail("the animation is already assembled");
  if (!WebPPictureInit(&picture)) js_fail("encoder version mismatch");
  picture.use_argb = 1; /* what WebPAnimEncoder works on (it would convert YUV back to ARGB) */
  picture.width = encoder_width;
  picture.height = encoder_height;
  if (!WebPPictureImportRGBA(&picture, rgba, encoder_width * 4)) {
    WebPPictureFree(&picture);
    js_fail("out of memory");
  }
  ok = WebPAnimEncoderAdd(encoder, &picture, timestamp_ms, &encoder_config);
  WebPPictureFree(&picture);
  if (!ok) encoder_fail("the frame could not be encoded");
  return 1;
}

/*
 * Ends the animation at end_timestamp_ms (when the last frame stops being shown, which sets its
 * duration) and assembles the file; returns a pointer to its bytes, which stay in the engine
 * (length: ae_size) until ae_free or the next ae_new. Equal consecutive frames are merged into
 * one longer frame; when a single frame is left, libwebp writes a still WebP (no ANIM chunk).
 */
ENGINE_EXPORT uint8_t *ae_finish(int end_timestamp_ms) {
  if (!encoder) js_fail("no animation encoder is open");
  if (encoded.bytes) return (uint8_t *)encoded.bytes;
  if (!WebPAnimEncoderAdd(encoder, NULL, end_timestamp_ms, NULL)) encoder_fail("the animation could not be ended");
  WebPDataInit(&encoded);
  if (!WebPAnimEncoderAssemble(encoder, &encoded)) {
    WebPDataClear(&encoded);
    encoder_fail("the animation could not be assembled");
  }
  return (uint8_t *)encoded.bytes;
}

/* Length of the assembled WebP (after ae_finish). */
ENGINE_EXPORT int ae_size(void) { return (int)encoded.size; }

/* ------------------------------------------------------------------------------------------ */
/* Decoder */

static WebPAnimDecoder *decoder;
static WebPAnimInfo decoder_info;
static int decoder_timestamp;

ENGINE_EXPORT void wa_close(void) {
  if (decoder) WebPAnimDecoderDelete(decoder);
  decoder = NULL;
  decoder_timestamp = 0;
}

/*
 * Opens an animated WebP (ANIM/ANMF chunks; a still WebP is refused) that the caller keeps in
 * memory, unchanged, until wa_close; decodes to RGBA8, not premultiplied. Returns the frame count.
 */
ENGINE_EXPORT int wa_open(const uint8_t *data, int size) {
  WebPAnimDecoderOptions options;
  WebPData input;
  const WebPDemuxer *demux;
  wa_close();
  if (size <= 0) js_fail("empty input");
  if (!WebPAnimDecoderOptionsInit(&options)) js_fail("decoder version mismatch");
  options.color_mode = MODE_RGBA;
  options.use_threads = 0;
  input.bytes = data;
  input.size = (size_t)size;
  decoder = WebPAnimDecoderNew(&input, &options);
  if (!decoder) js_fail("not a valid animated WebP (it cannot be demuxed, is truncated, or is too large)");
  demux = WebPAnimDecoderGetDemuxer(decoder);
  if (!(WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & ANIMATION_FLAG)) {
    wa_close();
    js_fail("not an animated WebP");
  }
  if (!WebPAnimDecoderGetInfo(decoder, &decoder_info)) {
    wa_close();
    js_fail("not a valid animated WebP");
  }
  return (int)decoder_info.frame_count;
}

/* 0: canvas width, 1: canvas height, 2: loop count (0 = forever). The background colour is not
   offered: WebPAnimDecoder ignores it and composites on transparent black, as browsers do. */
ENGINE_EXPORT int wa_info(int what) {
  if (!decoder) js_fail("no animated WebP is open");
  switch (what) {
    case 0: return (int)decoder_info.canvas_width;
    case 1: return (int)decoder_info.canvas_height;
    case 2: return (int)decoder_info.loop_count;
    default: return -1;
  }
}

/*
 * Decodes the next frame and composites it on the canvas (blending and disposal applied, as
 * WebPAnimDecoder does); returns the canvas, canvas width x height RGBA8, owned by the decoder
 * and valid until the next wa_next or wa_close.
 */
ENGINE_EXPORT uint8_t *wa_next(void) {
  uint8_t *canvas = NULL;
  if (!decoder) js_fail("no animated WebP is open");
  if (!WebPAnimDecoderHasMoreFrames(decoder)) js_fail("no more frames");
  if (!WebPAnimDecoderGetNext(decoder, &canvas, &decoder_timestamp) || !canvas)
    js_fail("corrupt or truncated frame");
  return canvas;
}

/*
 * The timestamp (ms) WebPAnimDecoder gave the frame last returned by wa_next. In libwebp's
 * convention it is the END of that frame's display: the sum of the durations of every frame up
 * to and including it (the first frame shows from 0 to wa_timestamp() after the first wa_next).
 */
ENGINE_EXPORT int wa_timestamp(void) { return decoder_timestamp; }
