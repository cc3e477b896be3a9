// Reads one WebDataset shard (a tar) as a stream of samples, as WebDataset groups them: consecutive
// members that share a key, the key being the member's path up to the first dot of its base name
// ("a/000123.seg.png" has key "a/000123" and suffix "seg.png"). Nothing from the tar touches the file
// system: names are only parsed, never joined to a folder. A name with "..", an absolute name, a link,
// a device or a FIFO refuses the shard; so does a key seen twice. Only the members an import uses are
// read into memory, each up to a bound; the others are skipped as they stream by.
import { createReadStream } from 'node:fs';
import { extract, type Extract, type Header } from 'tar-stream';
import { ImportError } from './import-errors.js';
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

export interface ShardSample {
  key: string;
  /** The image member's name and bytes, or why there is none to use. */
  image: { member: string; bytes: Uint8Array } | { skip: 'no image' | 'image too large'; detail?: string };
  /** The text members (txt, caption, json) by suffix, each within the text bound. */
  texts: Map<string, Uint8Array>;
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
  return size <= limit ? Buffer.concat(chunks) : null;
}

async function drain(entry: Entry): Promise<void> {
  for await (const chunk of entry as AsyncIterable<Buffer>) void chunk;
}

function tarError(shard: string, err: unknown): ImportError {
  const message = err instanceof Error ? err.message : String(err);
  if (/unexpected end/i.test(message)) return new ImportError('truncated', `${shard}: truncated (the tar ends inside a member); download it again`);
  return new ImportError('corrupt', `${shard}: not a readable tar file (${message})`);
}

/**
 * The shard's samples in order. `onBytes` reports how far into the file the reader is. Throws
 * ImportError for a refused member or a broken tar.
 */
export async function* readShard(shard: SourceFile, limits: ShardLimits, onBytes?: (bytes: number) => void): AsyncGenerator<ShardSample> {
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
    const entries = tar[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Entry>;
      try {
        next = await entries.next();
      } catch (err) {
        throw readError ? new ImportError('corrupt', `${shard.name}: cannot be read (${String(readError)})`) : tarError(shard.name, err);
      }
      if (next.done) break;
      const entry = next.value;
      const header = entry.header;
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
      const size = header.size;
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
        if (bytes) sample.texts.set(split.suffix, bytes);
      } else {
        await drain(entry);
      }
    }
    if (current) yield current;
  } finally {
    input.destroy();
    tar.destroy();
  }
}

/** A sample's caption: its .txt, else its .caption, else the caption/text field of its .json. */
export function sampleCaption(texts: Map<string, Uint8Array>, decode: (bytes: Uint8Array) => string): string | null {
  for (const suffix of CAPTION_SUFFIXES) {
    const bytes = texts.get(suffix);
    if (bytes) {
      const text = decode(bytes).replace(/\r\n?/g, '\n').trim();
      if (text !== '') return text;
    }
  }
  const json = texts.get(JSON_SUFFIX);
  if (!json) return null;
  let value: unknown;
  try {
    value = JSON.parse(decode(json));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  for (const field of ['caption', 'text']) {
    const text = record[field];
    if (typeof text === 'string' && text.trim() !== '') return text.replace(/\r\n?/g, '\n').trim();
  }
  return null;
}
