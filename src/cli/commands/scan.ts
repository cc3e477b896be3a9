import { scanDataset } from '../../core/dataset/scan.js';
import { DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_PIXELS } from '../../core/limits.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CANCELLED_EXIT, abortOnSigint, parseFolderArgs, intOption, type CliCommand } from '../command.js';
import { createProgressLine } from '../progress.js';
import { warnProblems, writeErr } from '../terminal-text.js';

const help = `usage: recaption scan <folder> [--exclude GLOB]... [--max-pixels N] [--max-bytes N] [--rehash] [--no-phash] [--follow-external-links]

Creates or updates <folder>/${MANIFEST_NAME}: one record per image with its size, content hash and
ground-truth alt-text (sidecar .txt/.caption, metadata.jsonl/.csv, EXIF/XMP/IPTC description).
Re-running adds new images, re-reads changed ones and marks vanished ones; captions are never removed.

  --exclude GLOB   leave out matching paths (relative to the folder), repeatable
  --max-pixels N   refuse images with more pixels than N (default ${DEFAULT_MAX_PIXELS})
  --max-bytes N    refuse image files larger than N bytes (default ${DEFAULT_MAX_IMAGE_BYTES}, ${DEFAULT_MAX_IMAGE_BYTES / 2 ** 30} GiB)
  --rehash         re-hash every image, even when size and mtime are unchanged
  --no-phash       skip the perceptual hash (near-duplicate detection): it decodes every image, which
                   makes a first scan several times slower; "recaption dedup" hashes what is missing
  --follow-external-links
                   follow symbolic links whose target is outside the folder (images, sidecars,
                   metadata files); without it they are skipped with a warning`;

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'create or update the manifest of a folder of images',
  help,
  async run(args) {
    const { values, folder } = await parseFolderArgs(args, {
      exclude: { type: 'string', multiple: true },
      'max-pixels': { type: 'string' },
      'max-bytes': { type: 'string' },
      rehash: { type: 'boolean' },
      'no-phash': { type: 'boolean' },
      'follow-external-links': { type: 'boolean' },
    }, help);
    const progress = createProgressLine('scanned');
    const sigint = abortOnSigint();
    try {
      const { report, store } = await scanDataset(folder, {
        exclude: values.exclude ?? [],
        maxPixels: intOption(values['max-pixels'], 'max-pixels', DEFAULT_MAX_PIXELS, 1),
        rehash: values.rehash ?? false,
        phash: !values['no-phash'],
        maxBytes: intOption(values['max-bytes'], 'max-bytes', DEFAULT_MAX_IMAGE_BYTES, 1),
        followExternalLinks: values['follow-external-links'] === true,
        signal: sigint.signal,
        onProgress: (done, total) => progress.update(done, total),
      });
      progress.finish();
      warnProblems(store.problems, MANIFEST_NAME, 'kept as it is');
      for (const w of report.warnings) writeErr(`warning: ${w}\n`);
      writeErr(
        `${report.cancelled ? 'cancelled; saved what was scanned. ' : ''}${report.images} images: ${report.added} added, ${report.changed} changed, ` +
          `${report.unchanged} unchanged, ${report.missing} missing, ${report.errors} with errors, ${report.altImported} alt-texts imported\n`,
      );
      return report.cancelled ? CANCELLED_EXIT : 0;
    } finally {
      sigint.dispose();
    }
  },
};
