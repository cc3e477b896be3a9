// The hostile files of issue 24, built at test time: Parquet files whose pages inflate, expand or lie
// (decompression bombs, run-length runs of millions, counts of 2^31, v2 headers missing a field) and tar
// shards that are not what their name says. Each builder returns the file's bytes.
import { promises as fs } from 'node:fs';
import { makeImage, writeTar } from './import-fixtures.js';
import {
  Codec, Encoding, concat, dataPageHeader, dataPageV2Header, dictionaryPageHeader, forgeParquet, plainByteArrays, rleRuns, withLength, zstdRleBomb,
  type Fields, type ForgedSchemaColumn,
} from './parquet-forge.js';

const IMAGE_COLUMN: ForgedSchemaColumn[] = [{ name: 'image', kind: 'binary' }];

/**
 * Item 1: a zstd page whose header and column metadata both say 1,000 bytes, holding `blocks` run-length
 * blocks of 128 KiB each (4 bytes apiece): 20,000 blocks are an 80 KB file that inflates to 2.6 GB.
 */
export function zstdBombParquet(blocks = 20_000, blockBytes = 128 << 10): Uint8Array {
  const frame = zstdRleBomb(blocks, blockBytes);
  return forgeParquet(IMAGE_COLUMN, [
    {
      rows: 1n,
      columns: [{ path: ['image'], codec: Codec.ZSTD, totalUncompressed: 1000n, pages: [{ header: dataPageHeader(1, Encoding.PLAIN, 1000, frame.length), body: frame }] }],
    },
  ]);
}

/** Item 2: `rows` rows (and as many values), the image column's definition levels one RLE run of nulls. */
export function nullRunParquet(rows: number): Uint8Array {
  const body = withLength(rleRuns(1, [[rows, 0]]));
  return forgeParquet(IMAGE_COLUMN, [
    { rows: BigInt(rows), columns: [{ path: ['image'], codec: Codec.UNCOMPRESSED, pages: [{ header: dataPageHeader(rows, Encoding.PLAIN, body.length, body.length), body }] }] },
  ]);
}

/**
 * Item 2: a one-image dictionary and a data page of `rows` values whose indexes are one RLE run of
 * `run` zeros: honest when run = rows, a run that overflows the page when it is longer.
 */
export async function dictionaryRunParquet(rows: number, run: number): Promise<Uint8Array> {
  const image = (await makeImage(0)).bytes;
  const dictionary = plainByteArrays([image]);
  const body = concat([withLength(rleRuns(1, [[rows, 1]])), Uint8Array.of(1), rleRuns(1, [[run, 0]])]);
  return forgeParquet(IMAGE_COLUMN, [
    {
      rows: BigInt(rows),
      columns: [
        {
          path: ['image'],
          codec: Codec.UNCOMPRESSED,
          pages: [
            { header: dictionaryPageHeader(1, dictionary.length, dictionary.length), body: dictionary },
            { header: dataPageHeader(rows, Encoding.RLE_DICTIONARY, body.length, body.length), body },
          ],
        },
      ],
    },
  ]);
}

/** Item 2: a row group of `rows` rows whose one page says it holds `pageValues` values. */
export async function lyingCountParquet(rows: number, pageValues: number): Promise<Uint8Array> {
  const image = (await makeImage(0)).bytes;
  const body = concat([withLength(rleRuns(1, [[rows, 1]])), plainByteArrays(Array.from({ length: rows }, () => image))]);
  return forgeParquet(IMAGE_COLUMN, [
    {
      rows: BigInt(rows),
      columns: [{ path: ['image'], codec: Codec.UNCOMPRESSED, numValues: BigInt(rows), pages: [{ header: dataPageHeader(pageValues, Encoding.PLAIN, body.length, body.length), body }] }],
    },
  ]);
}

/**
 * Item 3: two images in a v2 data page whose header lacks field `missing`: of DataPageHeaderV2 (1-6), or
 * of the PageHeader around it (1-3, `inPageHeader`).
 */
export async function v2MissingFieldParquet(missing: number, inPageHeader = false): Promise<Uint8Array> {
  const images = [(await makeImage(0)).bytes, (await makeImage(1)).bytes];
  const levels = rleRuns(1, [[2, 1]]);
  const body = concat([levels, plainByteArrays(images)]);
  const v2: Fields = inPageHeader ? {} : { [missing]: undefined };
  const header = dataPageV2Header({ numValues: 2, numNulls: 0, definitionBytes: levels.length, uncompressed: body.length, compressed: body.length }, v2);
  if (inPageHeader) header[missing] = undefined;
  return forgeParquet(IMAGE_COLUMN, [
    {
      rows: 2n,
      columns: [
        {
          path: ['image'],
          codec: Codec.UNCOMPRESSED,
          numValues: 2n,
          pages: [{ header, body }],
        },
      ],
    },
  ]);
}

/** A valid v2 page (the control for the one above): two images, PLAIN, uncompressed. */
export function v2Parquet(images: readonly Uint8Array[]): Uint8Array {
  const levels = rleRuns(1, [[images.length, 1]]);
  const body = concat([levels, plainByteArrays(images)]);
  return forgeParquet(IMAGE_COLUMN, [
    {
      rows: BigInt(images.length),
      columns: [
        {
          path: ['image'],
          codec: Codec.UNCOMPRESSED,
          pages: [{ header: dataPageV2Header({ numValues: images.length, numNulls: 0, definitionBytes: levels.length, uncompressed: body.length, compressed: body.length }), body }],
        },
      ],
    },
  ]);
}

/** A ustar header for a regular file `name` of `size` bytes. */
function tarHeader(name: string, size: number): Uint8Array {
  const header = new Uint8Array(512);
  const put = (at: number, text: string) => header.set(new TextEncoder().encode(text), at);
  put(0, name);
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, `${size.toString(8).padStart(11, '0')}\0`);
  put(136, '00000000000\0');
  put(148, '        ');
  put(156, '0');
  put(257, 'ustar\0');
  put(263, '00');
  const sum = header.reduce((n, b) => n + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/**
 * A shard of one image sample, then a member of `bytes` bytes that is a hole in a sparse file: a shard
 * that takes seconds to read through and no disk (for stopping an import on Ctrl-C midway).
 */
export async function writeSparseTar(file: string, bytes: number): Promise<void> {
  await writeTar(file, [{ name: 'a/000.png', data: (await makeImage(0)).bytes }]);
  const head = await fs.readFile(file);
  // Without its two end-of-archive blocks: the big member goes after the sample.
  const body = head.subarray(0, head.length - 1024);
  await fs.writeFile(file, concat([body, tarHeader('a/001.bin', bytes)]));
  await fs.truncate(file, body.length + 512 + Math.ceil(bytes / 512) * 512 + 1024);
}

/**
 * `rows` rows: an image column of nulls and a caption column of `rows` one-byte captions, stored PLAIN:
 * a few bytes a row in the file, an object a row in memory (for bounding the reader's heap).
 */
export function manyCaptionsParquet(rows: number): Uint8Array {
  const nulls = withLength(rleRuns(1, [[rows, 0]]));
  const captions = concat([withLength(rleRuns(1, [[rows, 1]])), plainByteArrays(Array.from({ length: rows }, () => 'x'))]);
  return forgeParquet(
    [{ name: 'image', kind: 'binary' }, { name: 'text', kind: 'string' }],
    [
      {
        rows: BigInt(rows),
        columns: [
          { path: ['image'], codec: Codec.UNCOMPRESSED, pages: [{ header: dataPageHeader(rows, Encoding.PLAIN, nulls.length, nulls.length), body: nulls }] },
          { path: ['text'], codec: Codec.UNCOMPRESSED, pages: [{ header: dataPageHeader(rows, Encoding.PLAIN, captions.length, captions.length), body: captions }] },
        ],
      },
    ],
  );
}

/**
 * A footer of `items` empty structs in one list (a byte each in the file): every byte becomes an object
 * when the footer is parsed, so 16 MB of footer asks for about a gigabyte of heap.
 */
export function footerBombParquet(items: number): Uint8Array {
  const count: number[] = [];
  for (let v = items; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      count.push(v);
      break;
    }
    count.push((v % 128) | 0x80);
  }
  // FileMetaData field 5 (key_value_metadata): a list of structs, each ended at once; then the struct's end.
  const footer = concat([Uint8Array.of(0x59, 0xfc, ...count), new Uint8Array(items), Uint8Array.of(0)]);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, footer.length, true);
  return concat([new TextEncoder().encode('PAR1'), footer, length, new TextEncoder().encode('PAR1')]);
}
