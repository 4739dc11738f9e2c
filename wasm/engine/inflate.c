/*
 * zlib inflate for PNG image data, pulled through the same chunked `read_input` import as JPEG
 * input: the caller asks for exactly one filtered row at a time, so only zlib's 32 KiB window and
 * one input chunk live in memory. (The runtime's DecompressionStream hands out 4 KiB chunks through
 * promises, which made it 3-4x slower than this on a 24 MP PNG.)
 */
#include <stdio.h>
#include <string.h>
#include "engine.h"
#include "zlib.h"

#define INPUT_CHUNK 65536

static z_stream zs;
static uint8_t input[INPUT_CHUNK];
static int finished;

ENGINE_EXPORT void zi_begin(void) {
  memset(&zs, 0, sizeof zs);
  finished = 0;
  if (inflateInit(&zs) != Z_OK) js_fail("the image data could not be inflated (zlib could not start)");
}

/* Fills dst with up to n inflated bytes; fewer only when the stream (or the input) ended. */
ENGINE_EXPORT int zi_read(uint8_t *dst, int n) {
  zs.next_out = dst;
  zs.avail_out = (uInt)n;
  while (zs.avail_out > 0 && !finished) {
    if (zs.avail_in == 0) {
      int got = js_read_input(input, INPUT_CHUNK);
      if (got <= 0) break;
      zs.next_in = input;
      zs.avail_in = (uInt)got;
    }
    int r = inflate(&zs, Z_NO_FLUSH);
    if (r == Z_STREAM_END) finished = 1;
    else if (r != Z_OK) {
      static char message[160];
      snprintf(message, sizeof message, "the image data could not be inflated (%s)", zs.msg ? zs.msg : "corrupt data");
      js_fail(message);
    }
  }
  return n - (int)zs.avail_out;
}

ENGINE_EXPORT void zi_end(void) { inflateEnd(&zs); }
