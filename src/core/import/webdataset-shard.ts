// Reads one WebDataset shard (a tar) as a stream of samples, as WebDataset groups them: consecutive
// members that share a key, the key being the member's path up to the first dot of its base name
// ("a/000123.seg.png" has key "a/000123" and suffix "seg.png"). Nothing from the tar touches the file
// system: names are only parsed, never joined to a folder. A name with "..", an absolute name, a link,
// a device or a FIFO refuses the shard; so does a key seen twice. Only the members an import uses are
// read into memory, each up to a bound; the others are skipped as they stream by. A caption member over
// the bound is not read, but said (the report counts it). A shard that is compressed (gzip, zstd, xz,
// bzip2) is named as such before tar-stream can guess at it.
import { createReadStream, promises as fs } from 'node:fs';
import { extract, type Extract, type Header } from 'tar-stream';
import { captionFromBytes, captionFromText, tooLong, type CaptionValue } from './caption-policy.js';
import { ImportError } from './import-errors.js';
import { count } from './parquet-format-error.js';
import type { SourceFile } from './source-files.js';

export const IMAGE_SUFFIXES: readonly string[] = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'bmp', 'tif', 'tiff'];
/** Caption members in order of preference. */
const CAPTION_SUFFIXES: readonly string[] = ['txt', 'caption'];
const JSON_SUFFIX = 'json';

/** One member as tar-stream hands it over (its type for it is not exported). */
type Entry = Extract extends AsyncIterable<infer S> ? S : never;

export interface ShardLimits {
  maxImageBytes: number;
  maxTextBytes: number;
}

/** A text member: its bytes, or its size when it is over the bound and was not read. */
export type TextMember = Uint8Array | { tooLarge: number };

export interface ShardSample {
  key: string;
  /** The image member's name and bytes, or why there is none to use. */
  image: { member: string; bytes: Uint8Array } | { skip: 'no image' | 'image too large'; detail?: string };
  /** The text members (txt, caption, json) by suffix. */
  texts: Map<string, TextMember>;
}

/** The first bytes of compressed formats a shard may be, by name. */
const COMPRESSED: readonly [string, readonly number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

/** Refuses a shard that is a compressed file under a .tar name, saying which compression it is. */
export async function checkShardHead(shard: SourceFile): Promise<void> {
  const head = new Uint8Array(8);
  const handle = await fs.open(shard.abs, 'r');
  let got: number;
  try {
    got = (await handle.read(head, 0, head.length, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  for (const [name, magic] of COMPRESSED) {
    if (got >= magic.length && magic.every((b, i) => head[i] === b)) {
      throw new ImportError('compressed', `${shard.name}: this shard is ${name}-compressed, not a plain tar; decompress it first (for gzip: gzip -dc ${shard.name}.gz > ${shard.name}, after renaming it) and import the .tar`);
    }
  }
}

/** A member's name split as WebDataset splits it, or why it is refused. */
export function splitMemberName(name: string): { key: string; suffix: string } | { refuse: string } | null {
  if (name.includes('\0')) return { refuse: 'has a NUL character in its name' };
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) return { refuse: 'has an absolute name' };
  const parts = name.split(/[/\\]/);
  if (parts.includes('..')) return { refuse: 'has ".." in its name' };
  const clean = parts.filter((p) => p !== '' && p !== '.');
  const base = clean.pop();
  // Hidden files (macOS "._x" resource forks, ".DS_Store") are not samples.
  if (base === undefined || base.startsWith('.')) return null;
  const dot = base.indexOf('.');
  if (dot < 0) return null;
  return { key: [...clean, base.slice(0, dot)].join('/'), suffix: base.slice(dot + 1).toLowerCase() };
}

const REFUSED_TYPES: Readonly<Record<string, string>> = {
  symlink: 'is a symbolic link',
  link: 'is a hard link',
  'character-device': 'is a device',
  'block-device': 'is a device',
  fifo: 'is a FIFO',
};

async function readMember(entry: Entry, limit: number): Promise<Uint8Array | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) return null;
  // A member inside one read of the file is a view of it, not a copy (the import copies each image once, into its batch).
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

async function drain(entry: Entry): Promise<void> {
  for await (const chunk of entry as AsyncIterable<Buffer>) void chunk;
}

function tarError(shard: string, err: unknown): ImportError {
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end/i.test(message)) return new ImportError('truncated', `${shard}: truncated (the tar ends inside a member); download it again`);
  // tar-stream's words for these guess at gzip, which checkShardHead has already ruled out.
  if (/^Invalid tar header\. Maybe/.test(message)) return new ImportError('corrupt', `${shard}: not a readable tar file (a member's header does not match its checksum); download it again`);
  if (/unknown format/i.test(message)) return new ImportError('corrupt', `${shard}: not a readable tar file (a member's header is in no tar format); download it again`);
  return new ImportError('corrupt', `${shard}: not a readable tar file (${message})`);
}

/**
 * The shard's samples in order. `onBytes` reports how far into the file the reader is. Throws
 * ImportError for a refused member or a broken tar.
 */
export async function* readShard(shard: SourceFile, limits: ShardLimits, onBytes?: (bytes: number) => void): AsyncGenerator<ShardSample> {
  await checkShardHead(shard);
  const input = createReadStream(shard.abs, { highWaterMark: 1 << 20 });
  const tar = extract();
  let readError: unknown = null;
  input.on('error', (err) => {
    readError = err;
    tar.destroy(err);
  });
  if (onBytes) input.on('data', () => onBytes(input.bytesRead));
  input.pipe(tar);
  const seen = new Set<string>();
  let current = null as ShardSample | null;
  /** The current sample's suffixes: one member name twice is a key seen twice. */
  let suffixes = new Set<string>();
  const refuse = (header: Header, why: string) => new ImportError('unsafe-member', `${shard.name}: member "${header.name}" ${why}; refusing the shard`);
  try {
    yield* samples();
  } catch (err) {
    // A member's bytes end early (or the file cannot be read) inside a member as well as between them.
    if (err instanceof ImportError) throw err;
    throw readError ? new ImportError('corrupt', `${shard.name}: cannot be read (${String(readError)})`) : tarError(shard.name, err);
  } finally {
    input.destroy();
    tar.destroy();
  }

  async function* samples(): AsyncGenerator<ShardSample> {
    const entries = tar[Symbol.asyncIterator]();
    for (;;) {
      const next: IteratorResult<Entry> = await entries.next();
      if (next.done) break;
      const entry = next.value;
      const header = entry.header;
      // tar-stream gives null for a size it cannot read (a base-256 field past 2^53), and then waits forever.
      if (!(typeof header.size === 'number' && Number.isSafeInteger(header.size) && header.size >= 0)) {
        throw new ImportError('corrupt', `${shard.name}: member "${header.name}" has no readable size; the tar is damaged: download it again`);
      }
      // Long-name and pax headers are folded in by tar-stream; a global pax header may still come through.
      const type: string = header.type ?? 'file';
      const refused = REFUSED_TYPES[type];
      if (refused !== undefined) throw refuse(header, refused);
      const split = splitMemberName(header.name);
      if (split !== null && 'refuse' in split) throw refuse(header, split.refuse);
      if (type !== 'file' && type !== 'contiguous-file') {
        if (type !== 'directory' && type !== 'pax-global-header') throw refuse(header, `is of type ${type}, not a file`);
        await drain(entry);
        continue;
      }
      if (split === null) {
        await drain(entry);
        continue;
      }
      if (current?.key !== split.key) {
        if (current) yield current;
        if (seen.has(split.key)) throw new ImportError('duplicate-key', `${shard.name}: key "${split.key}" appears twice (again at member "${header.name}"); a shard's samples must have distinct keys`);
        seen.add(split.key);
        current = { key: split.key, image: { skip: 'no image' }, texts: new Map() };
        suffixes = new Set();
      }
      if (suffixes.has(split.suffix)) throw new ImportError('duplicate-key', `${shard.name}: member "${header.name}" appears twice (key "${split.key}"); a shard's samples must have distinct keys`);
      suffixes.add(split.suffix);
      const sample: ShardSample = current;
      const size: number = header.size;
      if (IMAGE_SUFFIXES.includes(split.suffix)) {
        if ('member' in sample.image || sample.image.skip === 'image too large') {
          // A second image in one sample (jpg and png of the same key): the first one is the sample's.
          await drain(entry);
          continue;
        }
        const bytes = size <= limits.maxImageBytes ? await readMember(entry, limits.maxImageBytes) : (await drain(entry), null);
        sample.image = bytes ? { member: header.name, bytes } : { skip: 'image too large', detail: `${size} bytes` };
      } else if (CAPTION_SUFFIXES.includes(split.suffix) || split.suffix === JSON_SUFFIX) {
        const bytes = size <= limits.maxTextBytes ? await readMember(entry, limits.maxTextBytes) : (await drain(entry), null);
        sample.texts.set(split.suffix, bytes ?? { tooLarge: size });
      } else {
        await drain(entry);
      }
    }
    if (current) yield current;
  }
}

/**
 * A sample's caption: its .txt, else its .caption, else the caption/text field of its .json; decoded,
 * cleaned and bounded as every caption is. A caption member too large to read is the caption, too long.
 */
export function sampleCaption(texts: Map<string, TextMember>): CaptionValue {
  for (const suffix of CAPTION_SUFFIXES) {
    const member = texts.get(suffix);
    if (member === undefined) continue;
    if (!(member instanceof Uint8Array)) return tooLong(`a .${suffix} member of ${count(member.tooLarge)} bytes`);
    const caption = captionFromBytes(member);
    if (caption.text !== null || caption.notes) return caption;
  }
  const json = texts.get(JSON_SUFFIX);
  if (!(json instanceof Uint8Array)) return json ? tooLong(`a .json member of ${count(json.tooLarge)} bytes`) : { text: null };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(json));
  } catch {
    return { text: null };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { text: null };
  const record = value as Record<string, unknown>;
  for (const field of ['caption', 'text']) {
    const text = record[field];
    if (typeof text === 'string' && text.trim() !== '') return captionFromText(text);
  }
  return { text: null };
}
