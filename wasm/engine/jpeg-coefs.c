/*
 * libjpeg's system memory layer (in place of jmemnobs.c), with a compact coefficient store for
 * progressive JPEGs.
 *
 * A progressive JPEG is refined scan by scan, so libjpeg keeps all 64 DCT coefficients of every
 * block until the last scan (≈3 B/pixel at 4:2:0, 6 at 4:4:4): 200+ MiB for a 72 MP photo. But a
 * decode at N/8 scale only reads some of them: the N×N lowest frequencies for N = 1, 3, 5, 6, 7
 * (jidctint.c) and rows/columns {0,1,3,5,7} or {0,1,2,3,5,6,7} for N = 2 and 4 (jidctred.c). The
 * others matter only in one way while scans arrive: whether each is zero, since an AC refinement
 * scan reads a correction bit for every coefficient that is already nonzero. So this store keeps,
 * per block, a "nonzero" mask (up to its last nonzero row) and the values of the nonzero
 * coefficients the IDCT reads (most in one byte); the rest come back as a nonzero
 * placeholder while scans are still arriving and as 0 for the output pass, which never reads them.
 *
 * It plugs into libjpeg's own virtual-array machinery as "backing store": jpeg_mem_available
 * says only a strip of rows fits in memory, so jmemmgr.c keeps a window of maxaccess block rows and
 * writes/reads whole rows through the functions below as scans sweep down the image. Each block
 * row is stored as one variable-length record. The store refuses to grow past the budget the JS
 * side sets (the isolate's memory limit minus what the job already holds): a file that needs more
 * fails cleanly (js_fail) instead of running the isolate out of memory.
 */
#define JPEG_INTERNALS /* jround_up, and the input controller's eoi_reached */
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>
#include "engine.h"
#include "jerror.h"
#include "jmemsys.h"

/* Virtual arrays smaller than this stay whole in memory: no compaction for small images. */
#define COMPACT_ABOVE (8u << 20)
/* Stands for a nonzero coefficient the IDCT never reads; far from any bit an AC refinement sets. */
#define PLACEHOLDER 0x4000

typedef struct {
  uint8_t **rows; /* one record per block row: per block, the mask then the kept nonzero values */
  uint32_t *capacities; /* bytes allocated per record: a record is read back by walking it */
  uint32_t nrows, blocks_per_row;
  uint64_t keep; /* natural-order positions the IDCT reads */
} coef_store;

static struct {
  int enabled; /* set by jd_decode for progressive input */
  double budget; /* bytes the records may take in all */
  double used;
  int next_component; /* realize_virt_arrays opens the stores from the last component down */
  coef_store stores[MAX_COMPONENTS];
  uint8_t *scratch; /* one encoded row, at its largest */
  size_t scratch_size;
} compact;

void *jpeg_get_small(j_common_ptr c, size_t n) { (void)c; return malloc(n); }
void jpeg_free_small(j_common_ptr c, void *p, size_t n) { (void)c; (void)n; free(p); }
void *jpeg_get_large(j_common_ptr c, size_t n) { (void)c; return malloc(n); }
void jpeg_free_large(j_common_ptr c, void *p, size_t n) { (void)c; (void)n; free(p); }
long jpeg_mem_init(j_common_ptr c) { (void)c; return 0; }
void jpeg_mem_term(j_common_ptr c) { (void)c; }

size_t jpeg_mem_available(j_common_ptr c, size_t min_bytes, size_t max_bytes, size_t allocated) {
  (void)allocated;
  /* Only the strip libjpeg must have (maxaccess rows of each array): the rest goes to the store. */
  /* Decompression only: the same instance later encodes the JPEG fallbacks, whose optimised
   * Huffman tables need libjpeg's full coefficient buffer (never the store). */
  return compact.enabled && c->is_decompressor && max_bytes > COMPACT_ABOVE ? min_bytes : max_bytes;
}

/* Positions (0..7) along one axis that an IDCT producing `size` samples per block reads. */
static unsigned axis_positions(int size) {
  if (size == 2) return 0xAB; /* 0,1,3,5,7 */
  if (size == 4) return 0xEF; /* 0,1,2,3,5,6,7 */
  if (size >= 8) return 0xFF;
  return (1u << size) - 1;
}

static uint64_t keep_mask(int scaled_size) {
  unsigned axis = axis_positions(scaled_size);
  uint64_t mask = 0;
  for (int r = 0; r < 8; r++)
    if (axis >> r & 1)
      for (int col = 0; col < 8; col++)
        if (axis >> col & 1) mask |= (uint64_t)1 << (r * 8 + col);
  return mask;
}

static void store_fail(j_common_ptr c, const char *message) {
  (void)c;
  js_fail(message);
  __builtin_trap();
}

static coef_store *store_of(backing_store_ptr info) {
  return &compact.stores[(unsigned char)info->temp_name[0]];
}

/* Bit k set when coefficient k is nonzero: 8 lanes at a time. */
static inline uint64_t nonzero_mask(const JCOEF *coef) {
  uint64_t mask = 0;
  v128_t zero = wasm_i16x8_splat(0);
  for (int i = 0; i < 8; i++) {
    v128_t v = wasm_v128_load(coef + 8 * i);
    mask |= (uint64_t)wasm_i16x8_bitmask(wasm_i16x8_ne(v, zero)) << (8 * i);
  }
  return mask;
}

static void write_rows(j_common_ptr c, backing_store_ptr info, void *buffer, long offset, long count) {
  coef_store *s = store_of(info);
  long row_bytes = (long)s->blocks_per_row * (long)sizeof(JBLOCK);
  const JCOEF *coef = (const JCOEF *)buffer;
  for (long row = offset / row_bytes, end = (offset + count) / row_bytes; row < end; row++) {
    uint8_t *out = compact.scratch;
    for (uint32_t b = 0; b < s->blocks_per_row; b++, coef += DCTSIZE2) {
      uint64_t nonzero = nonzero_mask(coef);
      /* Rows of the mask up to the last one with a nonzero coefficient (high frequencies are
       * mostly zero), then each kept value zigzag-coded in a byte (-127..127), or 0xFF and the
       * value itself. */
      int rows = nonzero ? (63 - __builtin_clzll(nonzero)) / 8 + 1 : 0;
      *out++ = (uint8_t)rows;
      memcpy(out, &nonzero, 8); /* a fixed-size copy is a single store; only `rows` bytes count */
      out += rows;
      for (uint64_t kept = nonzero & s->keep; kept; kept &= kept - 1) {
        int v = coef[__builtin_ctzll(kept)];
        unsigned z = (unsigned)((v << 1) ^ (v >> 31)) & 0xffff;
        if (z < 0xff) {
          *out++ = (uint8_t)z;
        } else {
          *out++ = 0xff;
          memcpy(out, &coef[__builtin_ctzll(kept)], 2);
          out += 2;
        }
      }
    }
    uint32_t length = (uint32_t)(out - compact.scratch);
    if (length + 8 > s->capacities[row]) {
      /* Refinement scans only add nonzero values: leave room so a row is not moved every scan. */
      uint32_t capacity = length + length / 4 + 8;
      compact.used += (double)capacity - s->capacities[row];
      if (compact.used > compact.budget) {
        store_fail(c, "the progressive scans' DCT coefficients exceed the engine's memory budget");
      }
      uint8_t *grown = realloc(s->rows[row], capacity);
      if (!grown) store_fail(c, "out of memory for the progressive scans' DCT coefficients");
      s->rows[row] = grown;
      s->capacities[row] = capacity;
    }
    memcpy(s->rows[row], compact.scratch, length);
  }
}

static void read_rows(j_common_ptr c, backing_store_ptr info, void *buffer, long offset, long count) {
  coef_store *s = store_of(info);
  long row_bytes = (long)s->blocks_per_row * (long)sizeof(JBLOCK);
  /* Once the whole file is in, the output pass reads only kept positions: zeros are as good. */
  JCOEF placeholder = ((j_decompress_ptr)c)->inputctl->eoi_reached ? 0 : PLACEHOLDER;
  JCOEF *coef = (JCOEF *)buffer;
  for (long row = offset / row_bytes, end = (offset + count) / row_bytes; row < end; row++) {
    const uint8_t *in = s->rows[row];
    if (!in) { /* never written: libjpeg only reads rows it wrote, but stay safe */
      memset(coef, 0, (size_t)row_bytes);
      coef += (size_t)s->blocks_per_row * DCTSIZE2;
      continue;
    }
    for (uint32_t b = 0; b < s->blocks_per_row; b++, coef += DCTSIZE2) {
      uint64_t nonzero;
      int rows = *in++;
      /* Records are allocated 8 bytes longer than they are, so this load stays inside. */
      memcpy(&nonzero, in, 8);
      nonzero &= rows == 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * rows)) - 1;
      in += rows;
      memset(coef, 0, sizeof(JBLOCK));
      for (uint64_t bits = nonzero; bits; bits &= bits - 1) {
        int k = __builtin_ctzll(bits);
        if (s->keep >> k & 1) {
          unsigned z = *in++;
          if (z != 0xff) {
            coef[k] = (JCOEF)((z >> 1) ^ -(int)(z & 1));
          } else {
            memcpy(&coef[k], in, 2);
            in += 2;
          }
        } else {
          coef[k] = placeholder;
        }
      }
    }
  }
}

static void close_store(j_common_ptr c, backing_store_ptr info) {
  (void)c;
  coef_store *s = store_of(info);
  for (uint32_t r = 0; r < s->nrows; r++) free(s->rows[r]);
  free(s->rows);
  free(s->capacities);
  memset(s, 0, sizeof(*s));
}

void jpeg_open_backing_store(j_common_ptr c, backing_store_ptr info, long total_bytes) {
  j_decompress_ptr d = (j_decompress_ptr)c;
  int ci = --compact.next_component;
  if (!compact.enabled || c->is_decompressor == 0 || ci < 0) ERREXIT(c, JERR_NO_BACKING_STORE);
  /* The arrays are jdcoefct.c's, one per component, sized as it requests them: check, since the
   * store's layout (and which coefficients it keeps) follows from the component. */
  jpeg_component_info *comp = &d->comp_info[ci];
  long width = (long)jround_up(comp->width_in_blocks, comp->h_samp_factor);
  long height = (long)jround_up(comp->height_in_blocks, comp->v_samp_factor);
  if (width * height * (long)sizeof(JBLOCK) != total_bytes) ERREXIT(c, JERR_NO_BACKING_STORE);
  coef_store *s = &compact.stores[ci];
  s->nrows = (uint32_t)height;
  s->blocks_per_row = (uint32_t)width;
  s->keep = keep_mask(comp->DCT_scaled_size);
  s->rows = calloc((size_t)height, sizeof(uint8_t *));
  s->capacities = calloc((size_t)height, sizeof(uint32_t));
  /* At most: the row count, 8 mask bytes and 64 values of 3 bytes (escape and value). */
  size_t scratch = (size_t)width * (1 + 8 + 3 * DCTSIZE2);
  if (scratch > compact.scratch_size) {
    free(compact.scratch);
    compact.scratch = malloc(scratch);
    compact.scratch_size = scratch;
  }
  if (!s->rows || !s->capacities || !compact.scratch) {
    store_fail(c, "out of memory for the progressive scans' DCT coefficients");
  }
  compact.used += (double)height * (sizeof(uint8_t *) + sizeof(uint32_t)) + (double)scratch;
  info->temp_name[0] = (char)ci;
  info->read_backing_store = read_rows;
  info->write_backing_store = write_rows;
  info->close_backing_store = close_store;
}

/* Called before jpeg_start_decompress: progressive files get the compact store. */
void jd_compact_coefficients(j_decompress_ptr d, double budget) {
  free(compact.scratch);
  memset(&compact, 0, sizeof(compact));
  compact.enabled = d->progressive_mode;
  compact.budget = budget;
  compact.next_component = d->num_components;
}

/* Bytes the compact store took at its largest (records as allocated, row tables, scratch row). */
ENGINE_EXPORT double jd_coefficient_bytes(void) { return compact.used; }
