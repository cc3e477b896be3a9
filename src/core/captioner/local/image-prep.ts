// Image preprocessing with sharp, read from the model's preprocessor_config.json: orient, flatten alpha,
// resize (JPEG shrink-on-load), rescale and normalise into a CHW float tensor. Replaces transformers.js's
// RawImage + image processor path, which is 3-4x slower here (see ../shared/notes/captioner-runtime.md).
import { DEFAULT_MAX_PIXELS } from '../../limits.js';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { assertRegularFile } from '../../util/regular-file.js';
import { toHalf } from './float16.js';

export interface ImagePreprocess {
  width: number;
  height: number;
  /** fill: stretch to width x height (Florence-2, ViT); cover: shortest edge then centre crop (CLIP-style). */
  fit: 'fill' | 'cover';
  kernel: keyof sharp.KernelEnum;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

type Size = { height?: number; width?: number; shortest_edge?: number };

interface PreprocessorConfig {
  size?: Size | number;
  crop_size?: Size | number;
  do_resize?: boolean;
  do_center_crop?: boolean;
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number[] | number;
  image_std?: number[] | number;
  resample?: number;
}

// PIL resample codes: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming.
const KERNELS: Record<number, keyof sharp.KernelEnum> = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic', 4: 'linear', 5: 'linear' };

function triple(v: number[] | number | undefined, fallback: number): [number, number, number] {
  if (v === undefined) return [fallback, fallback, fallback];
  if (typeof v === 'number') return [v, v, v];
  return [v[0] ?? fallback, v[1] ?? fallback, v[2] ?? fallback];
}

function sizeOf(s: Size | number | undefined): { width: number; height: number } | null {
  if (s === undefined) return null;
  if (typeof s === 'number') return { width: s, height: s };
  if (s.width && s.height) return { width: s.width, height: s.height };
  if (s.shortest_edge) return { width: s.shortest_edge, height: s.shortest_edge };
  return null;
}

export function parsePreprocessorConfig(config: PreprocessorConfig, where: string): ImagePreprocess {
  const size = config.do_center_crop ? (sizeOf(config.crop_size) ?? sizeOf(config.size)) : sizeOf(config.size);
  if (!size) throw new Error(`${where}: preprocessor_config.json has no usable "size"`);
  const shortestEdge = typeof config.size === 'object' && config.size.shortest_edge !== undefined;
  return {
    ...size,
    fit: shortestEdge || config.do_center_crop ? 'cover' : 'fill',
    kernel: KERNELS[config.resample ?? 3] ?? 'cubic',
    rescale: config.do_rescale === false ? 1 : (config.rescale_factor ?? 1 / 255),
    mean: config.do_normalize === false ? [0, 0, 0] : triple(config.image_mean, 0.5),
    std: config.do_normalize === false ? [1, 1, 1] : triple(config.image_std, 0.5),
  };
}

export async function readPreprocess(modelFolder: string): Promise<ImagePreprocess> {
  const file = path.join(modelFolder, 'preprocessor_config.json');
  const config = JSON.parse(await fs.readFile(file, 'utf8')) as PreprocessorConfig;
  return parsePreprocessorConfig(config, file);
}

export interface PixelImage<P extends Float32Array | Uint16Array = Float32Array> {
  /** CHW, 3 x height x width: float32 values, or float16 bits (for a graph that declares float16 pixels). */
  pixels: P;
  /** Displayed size of the source (EXIF orientation applied). */
  sourceWidth: number;
  sourceHeight: number;
}

/** Channel c's scale and shift: a byte v becomes v * scale - shift. */
function normaliser(p: ImagePreprocess, c: number): { scale: number; shift: number } {
  return { scale: p.rescale / p.std[c]!, shift: p.mean[c]! / p.std[c]! };
}

/**
 * Each channel's 256 possible bytes as float16 bits: the float32 value the float32 path computes, rounded,
 * so float16 pixels cost a table lookup and equal float32 pixels converted afterwards.
 */
function halfTables(p: ImagePreprocess): Uint16Array[] {
  return [0, 1, 2].map((c) => {
    const { scale, shift } = normaliser(p, c);
    return toHalf(Float32Array.from({ length: 256 }, (_, v) => v * scale - shift));
  });
}

/** Decodes and preprocesses one image file. Throws with sharp's message for an unreadable image. */
export async function loadPixels(file: string, p: ImagePreprocess, maxPixels?: number): Promise<PixelImage>;
export async function loadPixels(file: string, p: ImagePreprocess, maxPixels: number | undefined, type: 'float32'): Promise<PixelImage>;
export async function loadPixels(file: string, p: ImagePreprocess, maxPixels: number | undefined, type: 'float16'): Promise<PixelImage<Uint16Array>>;
export async function loadPixels(file: string, p: ImagePreprocess, maxPixels: number | undefined, type: 'float32' | 'float16'): Promise<PixelImage<Float32Array | Uint16Array>>;
export async function loadPixels(file: string, p: ImagePreprocess, maxPixels = DEFAULT_MAX_PIXELS, type: 'float32' | 'float16' = 'float32'): Promise<PixelImage<Float32Array | Uint16Array>> {
  // A FIFO or device named in a manifest must not block the run; sharp then reads the file from disk.
  await assertRegularFile(file);
  const image = sharp(file, { limitInputPixels: maxPixels, failOn: 'error' });
  const meta = await image.metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  const { data, info } = await image
    .rotate()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(p.width, p.height, { fit: p.fit, kernel: p.kernel, position: 'centre' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels < 3 || info.width !== p.width || info.height !== p.height) {
    throw new Error(`unexpected decoded image (${info.width}x${info.height}, ${info.channels} channels)`);
  }
  const plane = p.width * p.height;
  const stride = info.channels;
  const size = { sourceWidth: (swap ? meta.height : meta.width) ?? 0, sourceHeight: (swap ? meta.width : meta.height) ?? 0 };
  if (type === 'float16') {
    const halves = new Uint16Array(3 * plane);
    halfTables(p).forEach((table, c) => {
      for (let i = 0, out = c * plane; i < plane; i++) halves[out + i] = table[data[i * stride + c]!]!;
    });
    return { pixels: halves, ...size };
  }
  const pixels = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const { scale, shift } = normaliser(p, c);
    const out = c * plane;
    for (let i = 0; i < plane; i++) pixels[out + i] = data[i * stride + c]! * scale - shift;
  }
  return { pixels, ...size };
}
