// Puts dataset images into the export: copy, hard link, or only check that they exist. Problems with one
// source image skip that image (counted); problems writing the export fail the export.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageMode, SkipReason } from './types.js';
import { FolderListings } from './folder-listing.js';

/** Error codes for which a hard link cannot be made but a copy can. */
const LINK_FALLBACK_CODES = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);

export class ImagePlacer {
  private readonly madeDirs = new Set<string>();
  private readonly listings = new FolderListings();
  private mode: ImageMode;
  /** Set when hard links fell back to copies, with why; the export reports it. */
  linkFallback: string | null = null;

  constructor(
    private readonly datasetFolder: string,
    private readonly outRoot: string,
    mode: ImageMode,
  ) {
    this.mode = mode;
  }

  private source(fileName: string): string {
    return path.join(this.datasetFolder, ...fileName.split('/'));
  }

  /** The real source path of an image, or why it cannot be exported. */
  async check(fileName: string): Promise<{ source: string } | { skip: SkipReason }> {
    let source = this.source(fileName);
    // The folder's listing settles the common case, a plain file, without a stat. A link, something else, a
    // name the listing lacks (a case-insensitive file system matches more than the exact name) or a folder
    // that cannot be listed is asked of the file itself.
    if ((await this.listings.lookup(path.dirname(source), path.basename(source))) === 'file') return { source };
    try {
      const stat = await fs.lstat(source);
      // A symlink is resolved so that a hard link never points at a (possibly relative) link itself.
      if (stat.isSymbolicLink()) source = await fs.realpath(source);
      const target = stat.isSymbolicLink() ? await fs.stat(source) : stat;
      if (!target.isFile()) return { skip: 'unreadable-file' };
      return { source };
    } catch (err) {
      return { skip: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing-file' : 'unreadable-file' };
    }
  }

  async read(fileName: string): Promise<Buffer | { skip: SkipReason }> {
    const checked = await this.check(fileName);
    if ('skip' in checked) return checked;
    try {
      return await fs.readFile(checked.source);
    } catch {
      return { skip: 'unreadable-file' };
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.madeDirs.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /** Places one image at `destination` (relative to the export root, POSIX). Null when placed. */
  async place(fileName: string, destination: string): Promise<SkipReason | null> {
    const checked = await this.check(fileName);
    if ('skip' in checked) return checked.skip;
    if (this.mode === 'none') return null;
    const dest = path.join(this.outRoot, ...destination.split('/'));
    await this.ensureDir(path.dirname(dest));
    if (this.mode === 'link') {
      try {
        await fs.link(checked.source, dest);
        return null;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (!LINK_FALLBACK_CODES.has(code)) throw err;
        // Stop trying links after the first refusal: every later one would fail the same way.
        this.mode = 'copy';
        this.linkFallback =
          code === 'EXDEV'
            ? 'hard links are impossible across devices (the output is on another file system than the dataset); images were copied'
            : `the file system refused hard links (${code}); images were copied`;
      }
    }
    try {
      // A copy-on-write clone where the file system offers one (btrfs, XFS, APFS), a plain copy elsewhere.
      await fs.copyFile(checked.source, dest, fs.constants.COPYFILE_FICLONE);
    } catch (err) {
      // Unreadable source: skip the image. Anything else (disk full, ...) fails the export.
      const readable = await fs.access(checked.source, fs.constants.R_OK).then(() => true, () => false);
      if (!readable) return 'unreadable-file';
      throw err;
    }
    return null;
  }
}
