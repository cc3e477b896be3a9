// Puts dataset images into the export: copy, hard link, or only check that they exist. Every image is
// read through DatasetFolder, so a file or folder that resolves outside the dataset is refused (unless the
// user chose to follow links out) and named in a warning. Problems with one source image skip that image
// (counted); problems writing the export fail the export.
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_MAX_IMAGE_BYTES } from '../limits.js';
import { describeRefusal, isRefusal, type DatasetFile, type DatasetFileRefusal, type DatasetFolder } from '../dataset/dataset-file.js';
import type { ImageMode, SkipReason } from './types.js';
import { WarningLog } from './warning-log.js';

/** Error codes for which a hard link cannot be made but a copy can. */
const LINK_FALLBACK_CODES = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);

/** How the user includes files that lead out of the dataset, for the warning (the CLI's flag; VS Code's setting). */
export const FOLLOW_LINKS_ADVICE = '--follow-external-links, or the setting recaption.followExternalLinks,';

export class ImagePlacer {
  private readonly madeDirs = new Set<string>();
  private mode: ImageMode;
  /** Set when hard links fell back to copies, with why; the export reports it. */
  linkFallback: string | null = null;
  /** Files refused because they lead out of the dataset folder, by name. */
  readonly refusedLinks = new WarningLog();

  constructor(
    private readonly files: DatasetFolder,
    private readonly outRoot: string,
    mode: ImageMode,
  ) {
    this.mode = mode;
  }

  private skipOf(fileName: string, refusal: DatasetFileRefusal): { skip: SkipReason } {
    switch (refusal.refused) {
      case 'outside':
        this.refusedLinks.add(describeRefusal(fileName, refusal, FOLLOW_LINKS_ADVICE));
        return { skip: 'outside-dataset' };
      case 'missing':
        return { skip: 'missing-file' };
      case 'not-a-file':
      case 'unreadable':
        return { skip: 'unreadable-file' };
    }
  }

  /** The image's resolved file, or why it cannot be exported. */
  async check(fileName: string): Promise<{ file: DatasetFile } | { skip: SkipReason }> {
    const file = await this.files.resolve(fileName);
    return isRefusal(file) ? this.skipOf(fileName, file) : { file };
  }

  /** Whether the image is known to be there, a plain file inside the dataset, without asking the disk (its folder is listed). */
  checkListed(fileName: string): boolean {
    return this.files.listsFile(fileName);
  }

  async read(fileName: string): Promise<Buffer | { skip: SkipReason }> {
    const bytes = await this.files.read(fileName, DEFAULT_MAX_IMAGE_BYTES);
    return isRefusal(bytes) ? this.skipOf(fileName, bytes) : bytes;
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
        const refusal = await this.files.linkTo(checked.file, dest);
        return refusal ? this.skipOf(fileName, refusal).skip : null;
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
    // A copy-on-write clone where the file system offers one (btrfs, XFS, APFS), a plain copy elsewhere.
    // Unreadable source: skip the image. Anything else (disk full, ...) fails the export.
    const refusal = await this.files.copyTo(checked.file, dest, constants.COPYFILE_FICLONE);
    return refusal ? this.skipOf(fileName, refusal).skip : null;
  }
}
