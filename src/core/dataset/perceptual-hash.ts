// A 64-bit perceptual hash (pHash, as the imagehash library computes it): the image in grey at 32×32,
// its 2-D DCT, the 8×8 lowest frequencies, one bit per coefficient above their median. Resizing,
// recompression and small edits move few bits; different images differ in about half of them.
import sharp from 'sharp';

const SIDE = 32;
const LOW = 8;

/** cos((2x + 1)uπ / 2N) for the LOW lowest frequencies u, at each of the N samples x. */
const COSINES: Float64Array = (() => {
  const table = new Float64Array(LOW * SIDE);
  for (let u = 0; u < LOW; u++) for (let x = 0; x < SIDE; x++) table[u * SIDE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIDE));
  return table;
})();

/** The hash of SIDE × SIDE grey pixels (row-major): 16 lower-case hex digits, the first coefficient first. */
export function phashOfPixels(grey: ArrayLike<number>): string {
  if (grey.length !== SIDE * SIDE) throw new Error(`a perceptual hash takes ${SIDE}×${SIDE} pixels, got ${grey.length}`);
  // Separable DCT-II (unnormalized: a constant factor does not move a coefficient across the median).
  const rows = new Float64Array(SIDE * LOW); // per row y, frequencies u along x
  for (let y = 0; y < SIDE; y++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let x = 0; x < SIDE; x++) sum += grey[y * SIDE + x]! * COSINES[u * SIDE + x]!;
      rows[y * LOW + u] = sum;
    }
  }
  const low = new Float64Array(LOW * LOW); // [v][u]: frequency v along y, u along x
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let sum = 0;
      for (let y = 0; y < SIDE; y++) sum += rows[y * LOW + u]! * COSINES[v * SIDE + y]!;
      // Rounded: coefficients that are 0 in exact arithmetic come out as ±1e-12 and would set random bits
      // on flat or symmetric images. Real coefficients are whole pixel sums, far above a millionth.
      low[v * LOW + u] = Math.round(sum * 1e6) / 1e6;
    }
  }
  const sorted = Float64Array.from(low).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let b = 0; b < 4; b++) value = (value << 1) | (low[nibble * 4 + b]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

/**
 * The hash of an image file or its bytes, oriented as displayed (EXIF), first frame of an animation.
 * Decoding it also proves the image decodes: a truncated or corrupt file throws.
 */
export async function perceptualHash(input: Buffer | string, maxPixels: number): Promise<string> {
  const grey = await sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated' })
    .rotate()
    .greyscale()
    .resize(SIDE, SIDE, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // Greyscale of an image with alpha keeps the alpha channel: take the first channel of each pixel.
  const channels = grey.info.channels;
  if (channels === 1) return phashOfPixels(grey.data);
  const pixels = new Uint8Array(SIDE * SIDE);
  for (let i = 0; i < pixels.length; i++) pixels[i] = grey.data[i * channels]!;
  return phashOfPixels(pixels);
}

const POPCOUNT_4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Bits that differ between two hashes of 16 hex digits. */
export function hammingDistance(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < 16; i++) distance += POPCOUNT_4[Number.parseInt(a[i]!, 16) ^ Number.parseInt(b[i]!, 16)]!;
  return distance;
}
