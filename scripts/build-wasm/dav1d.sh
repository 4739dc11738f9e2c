#!/usr/bin/env bash
# Builds Debian's dav1d source tree ($1, patches applied) into $2/dav1d.a for the engine, without
# meson: the configure results meson would find for emscripten are written out below (no asm,
# single-threaded use, 8- and 16-bit pixels, no logging), and every *_tmpl.c is compiled once per
# bit depth, as src/meson.build does. Called by engine.sh with its flags (reproducible paths).
set -euo pipefail
dsrc="$1" work="$2" version="$3"
cat > "$dsrc/config.h" <<'CFG'
#define ARCH_AARCH64 0
#define ARCH_ARM 0
#define ARCH_PPC64LE 0
#define ARCH_X86 0
#define ARCH_X86_32 0
#define ARCH_X86_64 0
#define CONFIG_8BPC 1
#define CONFIG_16BPC 1
#define CONFIG_LOG 0
#define ENDIANNESS_BIG 0
#define HAVE_ASM 0
#define HAVE_POSIX_MEMALIGN 1
#define HAVE_UNISTD_H 1
CFG
echo "#define DAV1D_VERSION \"$version\"" > "$dsrc/include/vcs_version.h"
# API version 6.6.0 (meson.build's dav1d_soname_version).
sed 's/@DAV1D_API_VERSION_MAJOR@/6/; s/@DAV1D_API_VERSION_MINOR@/6/; s/@DAV1D_API_VERSION_PATCH@/0/' \
  "$dsrc/include/dav1d/version.h.in" > "$dsrc/include/dav1d/version.h"

flags=(-O3 -msimd128 -DNDEBUG "-ffile-prefix-map=$work=/build" -I"$dsrc" -I"$dsrc/include" -I"$dsrc/include/dav1d" -I"$dsrc/src")
obj="$work/dav1d-obj"
mkdir -p "$obj"
jobs=()
for f in cdf cpu data decode dequant_tables getbits intra_edge itx_1d lf_mask log mem msac obu picture qm ref \
  refmvs scan tables warpmv wedge lib thread_task; do
  jobs+=("emcc -c ${flags[*]} $dsrc/src/$f.c -o $obj/$f.o")
done
for bits in 8 16; do
  for f in cdef_apply cdef fg_apply filmgrain ipred_prepare ipred itx lf_apply loopfilter looprestoration lr_apply mc recon; do
    jobs+=("emcc -c ${flags[*]} -DBITDEPTH=$bits $dsrc/src/${f}_tmpl.c -o $obj/${f}_$bits.o")
  done
done
printf '%s\n' "${jobs[@]}" | xargs -P2 -I{} sh -c '{}'
# Sorted member order keeps the archive, and so the .wasm, byte-for-byte reproducible.
rm -f "$work/dav1d.a"
emar crD "$work/dav1d.a" $(ls "$obj"/*.o | sort)
