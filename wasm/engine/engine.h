/* Shared declarations of the resize engine (built by scripts/build-wasm/engine.sh). */
#ifndef ENGINE_H
#define ENGINE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "jpeglib.h"

#define ENGINE_IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define ENGINE_EXPORT __attribute__((used, visibility("default")))

/* Copies up to `max` bytes of the compressed input into `buf`; 0 at the end of the file. */
ENGINE_IMPORT("read_input") int js_read_input(uint8_t *buf, int max);
/* A libjpeg warning (e.g. corrupt or truncated data): the JS side decides whether it is fatal. */
ENGINE_IMPORT("warning") void js_warning(const char *message);
/* A libjpeg error: throws a JS exception, which unwinds out of WebAssembly; never returns. */
ENGINE_IMPORT("fail") void js_fail(const char *message);

/* libjpeg error manager that reports through the imports above instead of stderr and exit(). */
struct jpeg_error_mgr *engine_error_mgr(struct jpeg_error_mgr *err);

/* Gives a progressive file's DCT coefficients the compact store (jpeg-coefs.c), capped at budget. */
void jd_compact_coefficients(j_decompress_ptr d, double budget);

/* Separable Lanczos3 resampler fed one RGBA8 row at a time (resample.c). */
typedef struct resampler resampler;
resampler *rs_new(int in_w, int in_h, int out_w, int out_h, int premultiply);
uint8_t *rs_stage(resampler *rs);
void rs_push(resampler *rs, const uint8_t *row);
uint8_t *rs_output(resampler *rs);
#endif
