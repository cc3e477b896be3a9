// Recursive folder walk for a dataset: finds images, sidecar captions and metadata files. Skips hidden
// entries and the usual junk, honours exclude globs, follows symlinks but never loops, and never follows a
// link out of the dataset folder unless asked (a sidecar linked to ~/.ssh/id_rsa would become alt-text).
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { unsafeFileNameReason } from './manifest-codec.js';
import { isInside } from '../util/text-patterns.js';

/** Extensions we try to read; sharp decides in the end (BMP, for one, it cannot read). */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp', '.avif']);
export const SIDECAR_EXTENSIONS = ['.txt', '.caption'] as const;
export const METADATA_FILES = ['metadata.jsonl', 'metadata.csv'] as const;

/** Folders that hold operating-system or tool clutter, never dataset images. */
const JUNK_FOLDERS = new Set(['__MACOSX', 'node_modules', '@eaDir', '$RECYCLE.BIN', 'System Volume Information', '__pycache__']);

export interface FoundFile {
  /** POSIX path relative to the dataset root. */
  rel: string;
  abs: string;
}

export interface WalkResult {
  images: FoundFile[];
  /** Sidecar text files keyed by their path relative to the root without extension ("cats/001"). */
  sidecars: Map<string, FoundFile>;
  metadataFiles: FoundFile[];
  /** Things a person should know about: loops, broken links, unreadable folders. */
  warnings: string[];
}

export interface WalkOptions {
  /** Glob patterns relative to the root, e.g. "drafts/**" or "**\/*_mask.png". */
  exclude?: readonly string[];
  /** Follow symbolic links whose target is outside the dataset folder (off: they are skipped, with a warning). */
  followExternalLinks?: boolean;
}

export function toPosixRelative(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

export async function walkDataset(root: string, options: WalkOptions = {}): Promise<WalkResult> {
  const isExcluded = options.exclude?.length ? picomatch([...options.exclude], { dot: true }) : () => false;
  const result: WalkResult = { images: [], sidecars: new Map(), metadataFiles: [], warnings: [] };
  const realRoot = await fs.realpath(root);
  const visited = new Set<string>([realRoot]);

  async function visit(dir: string): Promise<void> {
    let entries: Dirent<Buffer>[];
    try {
      // As bytes: a name that is not UTF-8 would otherwise arrive with U+FFFD in it, and two such names as one.
      entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (dir === root) throw err;
      result.warnings.push(`skipped folder ${toPosixRelative(root, dir)}: ${e.code === 'EACCES' ? 'permission denied' : e.message}`);
      return;
    }
    const named: { entry: Dirent<Buffer>; name: string }[] = [];
    for (const entry of entries) {
      const name = entry.name.toString('utf8');
      if (!Buffer.from(name, 'utf8').equals(entry.name)) {
        result.warnings.push(`skipped ${toPosixRelative(root, path.join(dir, name))}: its name is not valid UTF-8; rename it`);
        continue;
      }
      named.push({ entry, name });
    }
    named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { entry, name } of named) {
      if (name.startsWith('.')) continue;
      const abs = path.join(dir, name);
      const rel = toPosixRelative(root, abs);
      // A name the manifest cannot hold (a backslash, a drive prefix) would be rejected on every load.
      const unsafe = unsafeFileNameReason(rel);
      if (unsafe !== null) {
        result.warnings.push(`skipped ${rel}: ${unsafe}; rename it`);
        continue;
      }
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      /** Where a link leads (resolved once, for the dataset check and the loop check). */
      let linkTarget: string | null = null;
      if (entry.isSymbolicLink()) {
        const target = await fs.stat(abs).catch(() => null);
        const real = target ? await fs.realpath(abs).catch(() => null) : null;
        if (!target || real === null) {
          result.warnings.push(`skipped ${rel}: broken symbolic link`);
          continue;
        }
        if (!options.followExternalLinks && !isInside(real, realRoot)) {
          result.warnings.push(`skipped ${rel}: a symbolic link to ${real}, outside the dataset folder (allow links out of the dataset to include it)`);
          continue;
        }
        isDir = target.isDirectory();
        isFile = target.isFile();
        linkTarget = real;
      }
      if (isDir) {
        if (JUNK_FOLDERS.has(name) || isExcluded(rel) || isExcluded(`${rel}/`)) continue;
        const real = linkTarget ?? (await fs.realpath(abs).catch(() => null));
        if (real === null) continue;
        if (visited.has(real)) {
          result.warnings.push(`skipped ${rel}: a symbolic link back to a folder already scanned (loop)`);
          continue;
        }
        visited.add(real);
        await visit(abs);
      } else if (isFile) {
        if (isExcluded(rel)) continue;
        const ext = path.extname(name).toLowerCase();
        if (IMAGE_EXTENSIONS.has(ext)) {
          result.images.push({ rel, abs });
        } else if ((SIDECAR_EXTENSIONS as readonly string[]).includes(ext)) {
          const key = rel.slice(0, rel.length - ext.length);
          // .txt wins over .caption when a folder has both: it is what most trainers read.
          if (ext === '.txt' || !result.sidecars.has(key)) result.sidecars.set(key, { rel, abs });
        } else if ((METADATA_FILES as readonly string[]).includes(name)) {
          result.metadataFiles.push({ rel, abs });
        }
      }
    }
  }

  await visit(root);
  return result;
}
