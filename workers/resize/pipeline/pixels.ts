/** 8-bit RGBA, row-major, no padding, not premultiplied. */
export interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Whether any pixel of RGBA8 data is less than opaque. */
export function hasTransparency(img: Pick<Rgba, "data">): boolean {
  const { data } = img;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

/** 1..8, with anything else (0, absent, garbage) read as 1, as libvips and browsers do. */
export function normalizeOrientation(orientation: number): number {
  return Number.isInteger(orientation) && orientation >= 1 && orientation <= 8 ? orientation : 1;
}

/** Orientations 5..8 turn the picture a quarter: display width = stored height. */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5;
}

function words(img: Rgba): Uint32Array {
  const { data } = img;
  // Uint32Array needs a 4-byte aligned offset; every buffer here is a fresh copy at offset 0,
  // but copy if one ever is not.
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

/**
 * Applies EXIF orientation to pixels stored as `img`, giving the picture as displayed:
 * 2 flip horizontally, 3 rotate 180°, 4 flip vertically, 5 transpose (flip across the main
 * diagonal), 6 rotate 90° clockwise, 7 transverse (flip across the anti-diagonal), 8 rotate 90°
 * counter-clockwise. Each is a walk over the source with a start index and per-column and per-row
 * steps, one 32-bit pixel at a time. Returns `img` itself for 1.
 */
export function applyOrientation(img: Rgba, orientation: number): Rgba {
  const o = normalizeOrientation(orientation);
  if (o === 1) return img;
  const W = img.width;
  const H = img.height;
  const src = words(img);
  // dst(x, y) = src[base + x * colStep + y * rowStep]
  let base: number, colStep: number, rowStep: number;
  switch (o) {
    case 2: [base, colStep, rowStep] = [W - 1, -1, W]; break;
    case 3: [base, colStep, rowStep] = [W * H - 1, -1, -W]; break;
    case 4: [base, colStep, rowStep] = [(H - 1) * W, 1, -W]; break;
    case 5: [base, colStep, rowStep] = [0, W, 1]; break;
    case 6: [base, colStep, rowStep] = [(H - 1) * W, -W, 1]; break;
    case 7: [base, colStep, rowStep] = [(H - 1) * W + W - 1, -W, -1]; break;
    default: [base, colStep, rowStep] = [W - 1, W, -1]; break; // 8
  }
  const outW = swapsAxes(o) ? H : W;
  const outH = swapsAxes(o) ? W : H;
  const out = new Uint32Array(outW * outH);
  let d = 0;
  for (let y = 0; y < outH; y++) {
    let s = base + y * rowStep;
    for (let x = 0; x < outW; x++, s += colStep) out[d++] = src[s]!;
  }
  return { data: new Uint8Array(out.buffer), width: outW, height: outH };
}
