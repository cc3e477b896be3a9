// The physical floors of the data part's rows: the least work each path must do, as a plain Node program
// (bundled into bench/out by floor-bundle.ts and run as a whole process, as the CLI is):
//   parse MANIFEST                      stream the manifest and JSON.parse every line; nothing else
//   parse-write MANIFEST OUT BYTES      the same, writing BYTES bytes to OUT as it goes (one large buffered
//                                       stream), then fsync (an export syncs what it wrote)
//   files LIST OUT                      create the files LIST names (lines "relative/path<TAB>bytes") under
//                                       the fresh folder OUT, 64 writes in flight, then made durable as the
//                                       export makes them (syncTree: one `sync -f` on Linux)
//   copy SOURCE OUT                     read every file of SOURCE and write it into the fresh folder OUT,
//                                       16 at a time, then sync the folder (as parquet-bench's floor)
//   decode SOURCE                       decode every JPEG of SOURCE to 32×32 grey with sharp (JPEG
//                                       shrink-on-load), every core busy: two images per core in flight
import { createReadStream, createWriteStream, promises as fs, writeFile, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { mapConcurrent } from '../../src/core/util/map-concurrent.js';
import { syncTree } from '../../src/core/export/sync-tree.js';

const CHUNK = 1 << 20;
/** The sidecar floor's writes in flight (the floor). */
const FILE_WRITES = 64;
const COPIES = 16;

/** Streams `file`, parsing every line; calls `onChunk` with each chunk read, after its lines are parsed. */
async function parseLines(file: string, onChunk?: (chunk: Buffer) => Promise<void> | void): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (nl > start) {
        JSON.parse(text.slice(start, nl));
        lines++;
      }
      start = nl + 1;
    }
    rest = text.slice(start);
    await onChunk?.(chunk);
  }
  if (rest.trim()) {
    JSON.parse(rest);
    lines++;
  }
  return lines;
}

async function write(out: WriteStream, bytes: Buffer): Promise<void> {
  if (!out.write(bytes)) await once(out, 'drain');
}

/** Writes `total` bytes in step with the manifest read: each chunk read owes its share of the output. */
async function parseWrite(manifest: string, outFile: string, total: number): Promise<number> {
  const inputBytes = (await fs.stat(manifest)).size;
  const out = createWriteStream(outFile, { highWaterMark: CHUNK });
  let owed = 0;
  let written = 0;
  const lines = await parseLines(manifest, async (chunk) => {
    owed += (chunk.length * total) / inputBytes;
    while (owed >= 1) {
      const n = Math.min(Math.floor(owed), chunk.length);
      await write(out, chunk.subarray(0, n));
      owed -= n;
      written += n;
    }
  });
  if (written < total) await write(out, Buffer.alloc(total - written, 0x20));
  out.end();
  await once(out, 'finish');
  const handle = await fs.open(outFile, 'r+');
  await handle.sync();
  await handle.close();
  return lines;
}

// The callback API, as the sidecar writer uses: a FileHandle per small file is slower to collect.
const writeNewFile = promisify(writeFile);

async function createFiles(list: string, out: string): Promise<number> {
  const files = (await fs.readFile(list, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name, bytes] = line.split('\t');
      return { name: name!, bytes: Number(bytes) };
    });
  const largest = Math.max(0, ...files.map((f) => f.bytes));
  const content = Buffer.alloc(largest, 'a generated caption of the floor ');
  for (const dir of new Set(files.map((f) => path.dirname(f.name)))) await fs.mkdir(path.join(out, dir), { recursive: true });
  await mapConcurrent(files, FILE_WRITES, (f) => writeNewFile(path.join(out, f.name), content.subarray(0, f.bytes), { flag: 'wx' }));
  // Durable the way the export makes its files durable before it puts them in place (one syncfs on Linux).
  await syncTree(out);
  return files.length;
}

async function copyFiles(source: string, out: string): Promise<number> {
  const names = (await fs.readdir(source)).filter((n) => n.endsWith('.jpg'));
  await fs.mkdir(out, { recursive: true });
  await mapConcurrent(names, COPIES, async (name) => fs.writeFile(path.join(out, name), await fs.readFile(path.join(source, name))));
  const handle = await fs.open(out, 'r');
  await handle.sync();
  await handle.close();
  return names.length;
}

async function decodeAll(source: string): Promise<number> {
  // Two per core, with sharp's own threads: with one per core and one thread each, a floor loses its share
  // of a shared machine's cores to the path (4 images in flight), and ends up slower than the path it bounds.
  const names = (await fs.readdir(source)).filter((n) => n.endsWith('.jpg'));
  await mapConcurrent(names, 2 * os.cpus().length, (name) => sharp(path.join(source, name)).greyscale().resize(32, 32, { fit: 'fill' }).raw().toBuffer());
  return names.length;
}

async function main(argv: string[]): Promise<number> {
  const [floor, a, b, c] = argv;
  if (floor === 'parse' && a) return parseLines(a);
  if (floor === 'parse-write' && a && b && c) return parseWrite(a, b, Number(c));
  if (floor === 'files' && a && b) return createFiles(a, b);
  if (floor === 'copy' && a && b) return copyFiles(a, b);
  if (floor === 'decode' && a) return decodeAll(a);
  throw new Error(`usage: data-floors parse|parse-write|files|copy|decode ... (got ${argv.join(' ')})`);
}

main(process.argv.slice(2)).then(
  (items) => process.stdout.write(`${items}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
