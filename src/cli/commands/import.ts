import * as path from 'node:path';
import { ImportError, importDataset, type ImportProgress, type ImportReport } from '../../core/import/index.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { codedErrorExit, abortOnSigint, parseCommandArgs, type CliCommand } from '../command.js';
import { createProgressLine, type ProgressLine } from '../progress.js';
import { writeErr } from '../terminal-text.js';

const help = `usage: recaption import <file|folder> --out <folder> [--image-column NAME] [--caption-column NAME] [--no-phash] [--json]

Makes a dataset folder from a .parquet file, a .tar WebDataset shard, or a folder of either: each row's
(or sample's) image goes to <out>/images/<file>/<row or key>.<ext>, and <out>/${MANIFEST_NAME} is written
from the bytes as they were written (the records a scan of the folder would give, without reading the
images again), with the caption as each image's alt-text and the row (or key) it came from.
Running it again into the same --out continues a stopped import without rewriting what is there.

  --out FOLDER           the dataset folder to create: new, empty, or an earlier import of the same files
  --image-column NAME    the Parquet column of images (default: the first Image struct or binary column,
                         else a string column of paths named image, img, path, ...)
  --caption-column NAME  the Parquet column of captions (default: text, caption, TEXT, alt, alt_text, ...)
  --no-phash             leave perceptual hashes out of the manifest (it decodes every image, the
                         largest cost of an import of small images); recaption dedup adds them later
  --json                 print the report as JSON on stdout

WebDataset shards group members by key; the image is the .jpg/.jpeg/.png/.webp/.gif/.bmp/.tif(f) member,
the caption the .txt, else .caption, else the caption/text field of the .json member.

Captions are stored as every caption is: control and bidirectional-override characters removed, and one
over the caption length limit left out; the summary counts both. The files are read in a worker thread
with bounded memory and time: a damaged or hostile file ends the import with one message.`;

/** "2 not an image (a.parquet row 1, a.parquet row 4); 1 no image (...)": counts with their first examples. */
function formatTally(counts: Record<string, number>, examples: Record<string, string[]>): string {
  return Object.entries(counts)
    .map(([reason, n]) => `${n} ${reason} (${(examples[reason] ?? []).join(', ')}${n > (examples[reason]?.length ?? 0) ? ', ...' : ''})`)
    .join('; ');
}

function formatSkipped(report: ImportReport): string {
  const skipped = formatTally(report.skipped, report.skippedExamples);
  const captions = formatTally(report.captions, report.captionExamples);
  return `${skipped ? `; skipped ${skipped}` : ''}${captions ? `; captions: ${captions}` : ''}`;
}

function formatReport(report: ImportReport): string {
  const resumed = report.resumed > 0 ? `, ${report.resumed} already there from an earlier run` : '';
  const columns = report.imageColumn ? ` (image column "${report.imageColumn}", ${report.captionColumn ? `caption column "${report.captionColumn}"` : 'no caption column'})` : '';
  return (
    `imported ${report.imported} images from ${report.rows} ${report.format === 'parquet' ? 'rows' : 'samples'} in ${report.files} ${report.format} file${report.files === 1 ? '' : 's'}` +
    `${columns}${resumed}${formatSkipped(report)}; ${(report.bytesWritten / 2 ** 20).toFixed(1)} MB written; ${report.images} images in ${report.manifest}`
  );
}

/** One progress line per phase; the reading line counts rows for Parquet and megabytes for tar shards. */
function progressReporter(): { update(p: ImportProgress): void; finish(): void } {
  let line: ProgressLine | null = null;
  let key = '';
  return {
    update(p) {
      const next = `${p.phase}:${p.unit}`;
      if (next !== key) {
        line?.finish();
        key = next;
        line = p.phase === 'scanning' ? createProgressLine('scanned', 'images') : createProgressLine('read', p.unit === 'bytes' ? 'MB' : 'rows');
      }
      const scale = p.unit === 'bytes' ? 2 ** 20 : 1;
      const label = p.phase === 'reading' ? `${(p.bytesWritten / 2 ** 20).toFixed(1)} MB written${p.file ? `, ${p.file}` : ''}` : undefined;
      line?.update(Math.round(p.done / scale), Math.round(p.total / scale), label);
    },
    finish() {
      line?.finish();
    },
  };
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'make a dataset folder from Parquet files or WebDataset shards',
  help,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, {
      out: { type: 'string' },
      'image-column': { type: 'string' },
      'caption-column': { type: 'string' },
      'no-phash': { type: 'boolean' },
      json: { type: 'boolean' },
    }, help);
    if (positionals.length !== 1) throw new CliError(`expected one <file|folder>, got ${positionals.length}\n${help}`, 2);
    if (!values.out) throw new CliError(`--out <folder> is required\n${help}`, 2);
    const progress = progressReporter();
    const sigint = abortOnSigint();
    try {
      const report = await importDataset({
        source: path.resolve(positionals[0]!),
        out: path.resolve(values.out),
        imageColumn: values['image-column'],
        captionColumn: values['caption-column'],
        phash: values['no-phash'] !== true,
        signal: sigint.signal,
        onProgress: (p) => progress.update(p),
      });
      progress.finish();
      for (const w of report.warnings) writeErr(`warning: ${w}\n`);
      if (report.moreWarnings > 0) writeErr(`warning: ... and ${report.moreWarnings} more warnings like these\n`);
      writeErr(`${formatReport(report)}\n`);
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    } catch (err) {
      progress.finish();
      if (err instanceof ImportError) return codedErrorExit(err);
      throw err;
    } finally {
      sigint.dispose();
    }
  },
};
