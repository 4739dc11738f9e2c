/* Colour management of the resize engine (color.c): one ICC transform to sRGB at a time. */
#ifndef COLOR_H
#define COLOR_H
#include "engine.h"

/* What the pixels handed to cc_apply hold (4 bytes a pixel each time). */
enum { CC_RGB = 0, CC_GREY = 1, CC_CMYK = 2, CC_CMYK_INVERTED = 3 };
/* cc_open's answer: profile unusable (pixels stay as they are), sRGB already, or a transform to apply. */
enum { CC_IGNORED = 0, CC_SRGB = 1, CC_ACTIVE = 2 };

int cc_open(const uint8_t *icc, int size, int kind);
int cc_open_zlib(const uint8_t *data, int size, int kind);
int cc_open_cicp(int primaries, int transfer);
int cc_active(void);
void cc_apply(uint8_t *pixels, int n);
void cc_close(void);
#endif
