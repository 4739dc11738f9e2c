#!/usr/bin/env bash
# Builds workers/resize/wasm/engine.wasm: libjpeg-turbo, zlib's inflate, libwebp (its decoder, and
# its encoder, mux and demux for animated WebP), Little CMS (ICC profiles to sRGB) and dav1d (AVIF)
# from Debian's source packages, with Debian's patches (e.g. libwebp's CVE-2023-4863 fix) and ours
# in scripts/build-wasm/patches/ (e.g. lossless WebP in bounded memory), plus the small C wrapper in
# wasm/engine/ (streaming scaled JPEG decode, JPEG encode, PNG data inflate, scaled WebP decode,
# animated WebP encode and decode, separable Lanczos3).
# Needs Debian's `emscripten`, `cmake`, `dpkg-dev` and `patch`, and a deb-src entry for the apt mirror.
#   scripts/build-wasm/engine.sh           rebuild and overwrite the committed .wasm
#   scripts/build-wasm/engine.sh --check   rebuild into a temp dir and compare with the committed one
# Exit 3 means the build could not be reproduced here (tools or the pinned Debian sources cannot be
# had): the committed binary is untouched and still what the tests ran against.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/workers/resize/wasm/engine.wasm"
ljt_version="2.1.5"
zlib_version="1.2.13"
webp_version="1.2.4"
lcms_version="2.14"
dav1d_version="1.0.0"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! command -v emcc >/dev/null || ! command -v cmake >/dev/null || ! command -v dpkg-source >/dev/null || ! command -v patch >/dev/null; then
  apt-get update -qq || exit 3
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq emscripten cmake dpkg-dev patch >/dev/null || exit 3
fi
# emcc 3.1.6 looks for acorn and friends in Debian's node module folder.
export NODE_PATH=/usr/share/nodejs

cd "$work"
if ! apt-get source --download-only libjpeg-turbo zlib libwebp lcms2 dav1d >/dev/null 2>&1; then
  # No deb-src entry yet: add one for the configured mirror(s), then retry.
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -e "$f" ]] || continue
    grep -q '^Types: deb-src' "$f" || sed 's/^Types: deb$/Types: deb-src/' "$f" > "${f%.sources}-src.sources"
  done
  apt-get update -qq || exit 3
  apt-get source --download-only libjpeg-turbo zlib libwebp lcms2 dav1d >/dev/null || exit 3
fi
# The committed .wasm was built from exactly these Debian source packages (bookworm's, patches
# applied). When Debian ships a new one (a security fix), the build stops here: rebuild, check the
# tests and benchmark, and update this list with the .wasm.
expected="dav1d_${dav1d_version}-2+deb12u1.dsc lcms2_${lcms_version}-2+deb12u1.dsc libjpeg-turbo_${ljt_version}-2.dsc libwebp_${webp_version}-0.2+deb12u1.dsc zlib_${zlib_version}.dfsg-1.dsc"
found="$(ls ./*.dsc | xargs -n1 basename | sort | tr '\n' ' ' | sed 's/ $//')"
if [[ "$found" != "$expected" ]]; then
  echo "Debian's sources are now: $found (the engine was built from: $expected)" >&2
  exit 3
fi
for dsc in libjpeg-turbo_*.dsc zlib_*.dsc libwebp_*.dsc lcms2_*.dsc dav1d_*.dsc; do dpkg-source --no-check -x "$dsc" >/dev/null; done
src="$work/libjpeg-turbo-${ljt_version}"
zsrc="$(echo "$work"/zlib-"${zlib_version}"*/)"
wsrc="$work/libwebp-${webp_version}"
# Our own changes to libwebp, on top of Debian's (see each patch's header).
for p in "$repo"/scripts/build-wasm/patches/libwebp-*.patch; do patch -s -p1 -d "$wsrc" < "$p"; done
lsrc="$work/lcms2-${lcms_version}"

# CMake's type-size probes misread size_t/unsigned long under emscripten: state them.
(cd "$src" && mkdir -p build && cd build && emcmake cmake .. -DCMAKE_BUILD_TYPE=Release \
  -DWITH_SIMD=0 -DENABLE_SHARED=0 -DWITH_TURBOJPEG=0 -DWITH_JAVA=0 \
  -DSIZE_T=4 -DHAVE_SIZE_T=TRUE -DUNSIGNED_LONG=4 -DHAVE_UNSIGNED_LONG=TRUE \
  -DCMAKE_C_FLAGS="-O3 -ffile-prefix-map=$work=/build" >/dev/null && emmake make -j2 jpeg-static >/dev/null)

# dav1d (AVIF's AV1 images) is built without meson: see dav1d.sh.
dsrc="$work/dav1d-${dav1d_version}"
"$repo/scripts/build-wasm/dav1d.sh" "$dsrc" "$work" "$dav1d_version"

# NDEBUG drops assert()s; CMS_NO_PTHREADS: one thread, so no mutexes in Little CMS; the prefix map
# keeps the temp folder's name out of the binary, so the build is reproducible byte for byte.
# -msse4.1 lets libwebp use its SSE2/SSE4.1 code, which emscripten maps onto WebAssembly SIMD
# (libwebp's cpu.c enables it from these flags): ≈7 % off a 24 MP WebP decode. The initial memory
# is the static data (libwebp's encoder tables among them) plus the stack, rounded up to 64 KiB pages.
emcc -O3 -msimd128 -msse4.1 -DNDEBUG -DCMS_NO_PTHREADS=1 -ffile-prefix-map="$work"=/build -I"$src" -I"$src/build" -I"$zsrc" -I"$wsrc" -I"$lsrc/include" -I"$dsrc/include" \
  "$repo/wasm/engine/jpeg-decode.c" "$repo/wasm/engine/jpeg-coefs.c" "$repo/wasm/engine/jpeg-encode.c" "$repo/wasm/engine/resample.c" \
  "$repo/wasm/engine/inflate.c" "$repo/wasm/engine/png-rows.c" "$repo/wasm/engine/gif.c" "$zsrc"/{adler32,crc32,inffast,inflate,inftrees,zutil}.c \
  "$repo/wasm/engine/webp-decode.c" "$repo/wasm/engine/webp-encode.c" "$repo/wasm/engine/webp-anim.c" "$repo/wasm/engine/avif-decode.c" \
  "$wsrc"/src/{dec,enc,mux,demux,utils,dsp}/*.c "$wsrc"/sharpyuv/*.c \
  "$repo/wasm/engine/color.c" $(ls "$lsrc"/src/*.c | grep -Ev '/cms(ps2|cgats)\.c$') \
  "$src/build/libjpeg.a" "$work/dav1d.a" \
  -sSTANDALONE_WASM=1 --no-entry -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=1152KB -sTOTAL_STACK=256KB \
  -sERROR_ON_UNDEFINED_SYMBOLS=0 -o "$work/engine.wasm"

if [[ "${1:-}" == "--check" ]]; then
  if cmp -s "$work/engine.wasm" "$out"; then
    echo "engine.wasm matches its sources"
  else
    echo "engine.wasm differs from what scripts/build-wasm/engine.sh builds: rebuild and commit it" >&2
    exit 1
  fi
else
  mkdir -p "$(dirname "$out")"
  cp "$work/engine.wasm" "$out"
  echo "wrote $out ($(wc -c < "$out") bytes)"
fi
