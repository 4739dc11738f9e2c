/*
 * Colour management: pixels described by an embedded ICC profile are converted to sRGB with Little
 * CMS, as libvips does for sharp (perceptual intent, 8 bits in and out). One transform at a time:
 * cc_open builds it from the profile's bytes, cc_apply converts RGBA8 pixels in place. A profile
 * that cannot be used (broken, too large, for another colour space, no transform to sRGB) is
 * ignored and the pixels stay as they are (taken as sRGB): it never fails the job. A profile that
 * maps colours to themselves (sRGB, or an equivalent) is recognised and skipped.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "color.h"
#include "lcms2.h"
#include "zlib.h"

/*
 * Larger than any profile the upload validator's metadata budget admits (MAX_METADATA_BYTES), and
 * than print profiles for CMYK (FOGRA39 ≈ 650 KB, libvips' own ≈ 940 KiB); bounds what is allocated.
 */
#define MAX_PROFILE (1024 * 1024)
#define CHUNK 1024

static cmsHTRANSFORM xform;
static int xform_kind;
static uint8_t scratch[CHUNK * 4];

/*
 * Little CMS stamps every profile it opens or creates with the current time (never read here);
 * a fixed clock keeps the engine deterministic and free of a clock import.
 */
time_t time(time_t *t) {
  if (t) *t = 0;
  return 0;
}

/* How the pixels handed to cc_apply hold the profile's colour space: always 4 bytes a pixel. */
static cmsUInt32Number input_format(int kind) {
  switch (kind) {
    /* Grey expanded to RGBA: the first byte is the grey level, the other three are ignored. */
    case CC_GREY: return COLORSPACE_SH(PT_GRAY) | EXTRA_SH(3) | CHANNELS_SH(1) | BYTES_SH(1);
    case CC_CMYK: return TYPE_CMYK_8;
    /* Adobe's CMYK/YCCK JPEGs store 255 - ink. */
    case CC_CMYK_INVERTED: return TYPE_CMYK_8_REV;
    default: return TYPE_RGBA_8;
  }
}

static cmsColorSpaceSignature space_of(int kind) {
  return kind == CC_GREY ? cmsSigGrayData : kind == CC_RGB ? cmsSigRgbData : cmsSigCmykData;
}

/* Transforms n pixels from src into scratch (RGB of RGBA), then writes them back over dst. */
static void convert(const uint8_t *src, uint8_t *dst, int n) {
  cmsDoTransform(xform, src, scratch, (cmsUInt32Number)n);
  int opaque = xform_kind == CC_CMYK || xform_kind == CC_CMYK_INVERTED;
  for (int i = 0; i < n; i++) {
    dst[i * 4] = scratch[i * 4];
    dst[i * 4 + 1] = scratch[i * 4 + 1];
    dst[i * 4 + 2] = scratch[i * 4 + 2];
    if (opaque) dst[i * 4 + 3] = 255;
  }
}

/* Whether no colour of a coarse grid (every grey level for grey) moves by more than one level. */
static int is_identity(void) {
  static uint8_t grid[512 * 4], out[512 * 4];
  int n = 0;
  if (xform_kind == CC_GREY) {
    for (; n < 256; n++) grid[n * 4] = grid[n * 4 + 1] = grid[n * 4 + 2] = (uint8_t)n, grid[n * 4 + 3] = 255;
  } else {
    for (int r = 0; r < 8; r++)
      for (int g = 0; g < 8; g++)
        for (int b = 0; b < 8; b++, n++) {
          grid[n * 4] = (uint8_t)(r * 255 / 7);
          grid[n * 4 + 1] = (uint8_t)(g * 255 / 7);
          grid[n * 4 + 2] = (uint8_t)(b * 255 / 7);
          grid[n * 4 + 3] = 255;
        }
  }
  memcpy(out, grid, sizeof grid);
  for (int i = 0; i < n; i += CHUNK) convert(grid + i * 4, out + i * 4, n - i < CHUNK ? n - i : CHUNK);
  for (int i = 0; i < n * 4; i++) {
    if (abs(out[i] - grid[i]) > 1) return 0;
  }
  return 1;
}

ENGINE_EXPORT void cc_close(void) {
  if (xform) cmsDeleteTransform(xform);
  xform = NULL;
}

/* Makes the transform from `in` (closed here) to sRGB the current one; says what came of it. */
static int open_transform(cmsHPROFILE in, int kind) {
  if (!in) return CC_IGNORED;
  cmsHTRANSFORM t = NULL;
  if (cmsGetColorSpace(in) == space_of(kind)) {
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    if (srgb) t = cmsCreateTransform(in, input_format(kind), srgb, TYPE_RGBA_8, INTENT_PERCEPTUAL, 0);
    if (srgb) cmsCloseProfile(srgb);
  }
  cmsCloseProfile(in);
  if (!t) return CC_IGNORED;
  xform = t;
  xform_kind = kind;
  if (kind <= CC_GREY && is_identity()) {
    cc_close();
    return CC_SRGB;
  }
  return CC_ACTIVE;
}

ENGINE_EXPORT int cc_open(const uint8_t *icc, int size, int kind) {
  cc_close();
  if (!icc || size < 128 || size > MAX_PROFILE || kind < CC_RGB || kind > CC_CMYK_INVERTED) return CC_IGNORED;
  return open_transform(cmsOpenProfileFromMem(icc, (cmsUInt32Number)size), kind);
}

/* ITU-T H.273 colour primaries: red, green, blue and white point chromaticities (x, y). */
static int cicp_primaries(int code, double xy[8]) {
  static const struct { int code; double xy[8]; } table[] = {
    {1, {0.640, 0.330, 0.300, 0.600, 0.150, 0.060, 0.3127, 0.3290}},  /* BT.709, sRGB */
    {4, {0.670, 0.330, 0.210, 0.710, 0.140, 0.080, 0.310, 0.316}},    /* BT.470 M */
    {5, {0.640, 0.330, 0.290, 0.600, 0.150, 0.060, 0.3127, 0.3290}},  /* BT.470 B/G, BT.601 625 */
    {6, {0.630, 0.340, 0.310, 0.595, 0.155, 0.070, 0.3127, 0.3290}},  /* BT.601 525, SMPTE 170M */
    {7, {0.630, 0.340, 0.310, 0.595, 0.155, 0.070, 0.3127, 0.3290}},  /* SMPTE 240M */
    {8, {0.681, 0.319, 0.243, 0.692, 0.145, 0.049, 0.310, 0.316}},    /* generic film */
    {9, {0.708, 0.292, 0.170, 0.797, 0.131, 0.046, 0.3127, 0.3290}},  /* BT.2020, BT.2100 */
    {11, {0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.314, 0.351}},   /* DCI-P3 */
    {12, {0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.3127, 0.3290}}, /* Display P3 */
    {22, {0.630, 0.340, 0.295, 0.605, 0.155, 0.077, 0.3127, 0.3290}}, /* EBU Tech. 3213-E */
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (table[i].code == code) {
      memcpy(xy, table[i].xy, sizeof table[i].xy);
      return 1;
    }
  }
  return 0;
}

/*
 * The tone curve of an H.273 transfer characteristic, for SDR ones: gamma 2.2 (4) and 2.8 (5),
 * linear (8); the sRGB curve for sRGB itself (13) and for everything else SDR, BT.709's camera
 * curve (1, 6, 14, 15) included, as displays and browsers show such images. PQ (16) and HLG (18)
 * are HDR: NULL, nothing is converted (no tone mapping).
 */
static cmsToneCurve *cicp_curve(int code) {
  if (code == 16 || code == 18) return NULL;
  if (code == 4) return cmsBuildGamma(NULL, 2.2);
  if (code == 5) return cmsBuildGamma(NULL, 2.8);
  if (code == 8) return cmsBuildGamma(NULL, 1.0);
  static const double srgb[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
  return cmsBuildParametricToneCurve(NULL, 4, srgb);
}

/*
 * A transform to sRGB for RGB pixels described only by H.273 code points (an AVIF's nclx box):
 * a profile is built from the primaries and the transfer curve. Unknown primaries, and HDR
 * transfers, are ignored (the pixels are taken as sRGB, as without).
 */
ENGINE_EXPORT int cc_open_cicp(int primaries, int transfer) {
  cc_close();
  double xy[8];
  cmsToneCurve *curve = cicp_curve(transfer);
  if (!curve) return CC_IGNORED;
  if (!cicp_primaries(primaries, xy)) {
    cmsFreeToneCurve(curve);
    return CC_IGNORED;
  }
  cmsCIExyY white = {xy[6], xy[7], 1.0};
  cmsCIExyYTRIPLE rgb = {{xy[0], xy[1], 1.0}, {xy[2], xy[3], 1.0}, {xy[4], xy[5], 1.0}};
  cmsToneCurve *curves[3] = {curve, curve, curve};
  cmsHPROFILE in = cmsCreateRGBProfile(&white, &rgb, curves);
  cmsFreeToneCurve(curve);
  return open_transform(in, CC_RGB);
}

ENGINE_EXPORT int cc_open_zlib(const uint8_t *data, int size, int kind) {
  cc_close();
  uint8_t *icc = malloc(MAX_PROFILE);
  if (!icc) return CC_IGNORED;
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  int result = CC_IGNORED;
  if (inflateInit(&zs) == Z_OK) {
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)size;
    zs.next_out = icc;
    zs.avail_out = MAX_PROFILE;
    /* Anything but a complete stream that fits the budget (corrupt, cut short, too large) is ignored. */
    if (inflate(&zs, Z_FINISH) == Z_STREAM_END) result = cc_open(icc, (int)zs.total_out, kind);
    inflateEnd(&zs);
  }
  free(icc);
  return result;
}

ENGINE_EXPORT int cc_active(void) { return xform != NULL; }

ENGINE_EXPORT void cc_apply(uint8_t *pixels, int n) {
  if (!xform) return;
  for (int i = 0; i < n; i += CHUNK) convert(pixels + i * 4, pixels + i * 4, n - i < CHUNK ? n - i : CHUNK);
}
