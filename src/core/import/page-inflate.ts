// A page's bytes inflated into exactly the size its header says, through hyparquet-compressors' codecs,
// each held to that size: the output buffer is allocated once at the page's size (already counted
// against the row group's budget) and no codec may grow it. Snappy's own length and zstd's frames are
// checked against the page's size before anything is inflated (zstd-frames.ts).
import { compressors, decompressBrotli, decompressGzip, decompressLz4, decompressLz4Raw } from 'hyparquet-compressors';
import { ParquetFormatError, count } from './parquet-format-error.js';
import { inflateZstd } from './zstd-frames.js';

/** Parquet's codec numbers (CompressionCodec). */
export const CODEC_NAMES = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

/** The codecs an import reads (LZO has no decoder). */
export function isSupportedCodec(codec: string): boolean {
  return codec !== 'LZO' && (CODEC_NAMES as readonly string[]).includes(codec);
}

/** The length snappy data says it inflates to (its leading varint). */
function snappyLength(input: Uint8Array): number {
  let result = 0;
  for (let i = 0; i < 5 && i < input.length; i++) {
    result += (input[i]! & 0x7f) * 2 ** (7 * i);
    if (!(input[i]! & 0x80)) return result;
  }
  throw new ParquetFormatError('its snappy data has no length');
}

function inflateSnappy(input: Uint8Array, size: number): Uint8Array {
  const said = snappyLength(input);
  if (said !== size) throw new ParquetFormatError(`its snappy data says it inflates to ${count(said)} bytes where its page header says ${count(size)}`);
  // The WebAssembly decoder writes the length its data says, checked above.
  return compressors.SNAPPY!(input, size);
}

/** `input` (a page's stored bytes) inflated with `codec` into exactly `size` bytes. */
export function inflatePage(codec: string, input: Uint8Array, size: number): Uint8Array {
  try {
    switch (codec) {
      case 'UNCOMPRESSED':
        if (input.length !== size) throw new ParquetFormatError(`it is stored uncompressed in ${count(input.length)} bytes but its header says ${count(size)}`);
        return input;
      case 'SNAPPY':
        return inflateSnappy(input, size);
      case 'ZSTD':
        return inflateZstd(input, size);
      // These write into a buffer of `size` bytes they are given, and never grow it.
      case 'GZIP':
        return decompressGzip(input, size);
      case 'BROTLI':
        return decompressBrotli(input, size);
      case 'LZ4':
        return decompressLz4(input, size);
      case 'LZ4_RAW':
        return decompressLz4Raw(input, size);
      default:
        throw new ParquetFormatError(`it is compressed with ${codec}, which an import cannot read`, 'unsupported');
    }
  } catch (err) {
    if (err instanceof ParquetFormatError) throw err;
    throw new ParquetFormatError(`its ${codec} data cannot be inflated (${err instanceof Error ? err.message.slice(0, 200) : String(err)})`);
  }
}
