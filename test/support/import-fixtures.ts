// Sources for import tests, built at test time: small real images (each its own size and colour, so a
// test can tell them apart), Parquet files by hyparquet-writer and by DuckDB (an independent writer),
// and WebDataset tar shards by tar-stream's pack (links and devices included, which the import refuses).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { pack, type Header } from 'tar-stream';
import sharp from 'sharp';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ManifestRecord } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from './temp-dataset.js';

export interface TestImage {
  bytes: Buffer;
  width: number;
  height: number;
  format: 'png' | 'jpeg' | 'webp';
  sha256: string;
}

/** Image `i`: (8 + i) × (5 + i % 4) pixels, a colour of its own, in `format`. */
export async function makeImage(i: number, format: TestImage['format'] = i % 2 === 0 ? 'png' : 'jpeg'): Promise<TestImage> {
  const width = 8 + i;
  const height = 5 + (i % 4);
  const image = sharp({ create: { width, height, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } });
  const bytes = await (format === 'png' ? image.png() : format === 'webp' ? image.webp() : image.jpeg()).toBuffer();
  return { bytes, width, height, format, sha256: sha256(bytes) };
}

export function makeImages(n: number, format?: TestImage['format']): Promise<TestImage[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => makeImage(i, format)));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const optional = 'OPTIONAL' as const;

export type ParquetColumn =
  | { name: string; kind: 'image-struct'; data: ({ bytes: Uint8Array | null; path: string | null } | null)[] }
  | { name: string; kind: 'binary'; data: (Uint8Array | null)[] }
  | { name: string; kind: 'string'; data: (string | null)[] }
  | { name: string; kind: 'int64'; data: bigint[] };

function schemaOf(columns: readonly ParquetColumn[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    if (c.kind === 'image-struct') {
      schema.push(
        { name: c.name, repetition_type: optional, num_children: 2 },
        { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: optional },
        { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: optional },
      );
    } else if (c.kind === 'binary') schema.push({ name: c.name, type: 'BYTE_ARRAY', repetition_type: optional });
    else if (c.kind === 'string') schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: optional });
    else schema.push({ name: c.name, type: 'INT64', repetition_type: 'REQUIRED' });
  }
  return schema;
}

/** A Parquet file by hyparquet-writer with an explicit schema (the Image struct needs one). */
export async function writeParquet(file: string, columns: readonly ParquetColumn[], options: { rowGroupSize?: number; codec?: 'SNAPPY' | 'UNCOMPRESSED' } = {}): Promise<void> {
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: c.data })),
    schema: schemaOf(columns),
    rowGroupSize: options.rowGroupSize ?? 1000,
    codec: options.codec ?? 'SNAPPY',
  });
  await fs.writeFile(file, new Uint8Array(buffer));
}

/** The Hugging Face layout: an `image` struct column (bytes, path) and a `text` column. */
export function hfColumns(images: readonly TestImage[], captions: readonly (string | null)[]): ParquetColumn[] {
  return [
    { name: 'id', kind: 'int64', data: images.map((_, i) => BigInt(i)) },
    { name: 'image', kind: 'image-struct', data: images.map((img, i) => ({ bytes: img.bytes, path: `original-${i}.png` })) },
    { name: 'text', kind: 'string', data: [...captions] },
  ];
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The same layout written by DuckDB, zstd-compressed (or another codec), with row groups of `rowGroupSize` rows: an
 * independent writer, as much of the Hub's Parquet is written by pyarrow rather than by hyparquet.
 */
export async function writeDuckdbParquet(
  file: string,
  images: readonly TestImage[],
  captions: readonly string[],
  rowGroupSize = 2048,
  compression: 'zstd' | 'gzip' | 'brotli' | 'lz4' | 'snappy' = 'zstd',
): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const rows = images.map((img, i) => `(${i}, {'bytes': unhex('${img.bytes.toString('hex')}'), 'path': ${sqlString(`img${i}.jpg`)}}, ${sqlString(captions[i]!)})`);
    await connection.run(`CREATE TABLE t AS SELECT * FROM (VALUES ${rows.join(', ')}) AS v(id, image, caption)`);
    await connection.run(`COPY (SELECT id, image, caption FROM t ORDER BY id) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE ${rowGroupSize})`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export interface TarMember {
  name: string;
  data?: string | Uint8Array;
  type?: Header['type'];
  linkname?: string;
}

/** A tar shard of `members`, in order, by tar-stream's pack. */
export async function writeTar(file: string, members: readonly TarMember[]): Promise<void> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    tar.on('end', () => resolve());
    tar.on('error', reject);
  });
  for (const m of members) {
    const type = m.type ?? 'file';
    const data = m.data === undefined ? undefined : typeof m.data === 'string' ? Buffer.from(m.data) : Buffer.from(m.data);
    await new Promise<void>((resolve, reject) => {
      const header = { name: m.name, type, mode: 0o644, mtime: new Date(0), ...(m.linkname ? { linkname: m.linkname } : {}), ...(data ? { size: data.length } : {}) };
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data) tar.entry(header, data, done);
      else tar.entry(header, done);
    });
  }
  tar.finalize();
  await ended;
  await fs.writeFile(file, Buffer.concat(chunks));
}

/** Every file under `dir` (relative POSIX paths), hidden ones included when asked. */
export async function listFiles(dir: string, options: { hidden?: boolean } = {}): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => `${e.parentPath.slice(dir.length + 1)}/${e.name}`.replace(/^\//, ''))
    .filter((rel) => options.hidden || !rel.split('/').some((part) => part.startsWith('.')))
    .sort();
}

/** Runs `run` in a fresh temporary folder, removed afterwards. */
export async function withImportDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await makeTempDir('recaption-import-');
  try {
    await run(dir);
  } finally {
    await removeDir(dir);
  }
}

/** The records of an imported dataset's manifest, in file order. */
export async function importedManifest(out: string): Promise<ManifestRecord[]> {
  const text = await fs.readFile(path.join(out, 'recaption.jsonl'), 'utf8');
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as ManifestRecord);
}
