export type ImageFormat = "jpeg" | "png" | "gif" | "webp" | "avif";

export interface Limits {
  /** Max width*height of one frame (or of the canvas for animations). */
  maxPixels: number;
  /** Max width and max height, each. */
  maxSide: number;
  /** Max frames of an animation (1 for stills always passes). */
  maxFrames: number;
  /** Max frames*width*height (every frame composited on the canvas). */
  maxTotalPixels: number;
  /** Max long side / short side. */
  maxAspect: number;
  /** Max EXIF+XMP+ICC+text+other non-image payload, summed as stored (never inflated). */
  maxMetadataBytes: number;
  /**
   * Lower pixel limits for encodings the resize engine cannot stream as cheaply as a baseline
   * JPEG (checkEnginePixels); absent means only `maxPixels` applies.
   */
  maxPixelsInterlaced?: number;
  maxPixelsOther?: number;
  maxPixelsLosslessWebp?: number;
  maxPixelsAvif?: number;
  /**
   * Largest lossless WebP file: libwebp reads the bitstream from the engine's memory, beside the
   * job's own copy of the input, so past this size the input alone would take the job over budget.
   */
  maxBytesLosslessWebp?: number;
}

export interface ImageInfo {
  format: ImageFormat;
  mime: string;
  /** As stored (before EXIF orientation); for animations the canvas / logical screen size. */
  width: number;
  height: number;
  /** 1 for stills. */
  frames: number;
  /** EXIF-style orientation 1..8 (absent / out of range -> 1). */
  orientation: number;
  hasAlpha: boolean;
  /** A progressive JPEG, or an Adam7-interlaced PNG: a decoder holds more than a few rows of either. */
  progressive: boolean;
  /**
   * GIF: the pixels of every frame's own rectangle, summed. A frame may reach far past the logical
   * screen, and decoding it costs its whole rectangle (LZW is sequential).
   */
  framePixels?: number;
  /** WebP: the still's (or the first frame's) bitstream is lossless (VP8L). */
  lossless?: boolean;
  metadataBytes: number;
  bitDepth: number;
  /**
   * Bytes of the file a decoder reads, from its start: a JPEG's primary image up to its EOI (what
   * follows, e.g. a motion photo's video, is validated but never decoded); the whole file otherwise.
   */
  imageBytes: number;
  /** AVIF: how many 8-bit 4:2:0 pixels each of its pixels weighs for the resize engine (avif-weight.ts). */
  engineWeight?: number;
}

/** What a format parser returns; `index.ts` adds format and mime (and imageBytes when absent). */
export type Parsed = Omit<ImageInfo, "format" | "mime" | "imageBytes"> & { imageBytes?: number };
