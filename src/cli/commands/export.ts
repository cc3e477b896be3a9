import { ManifestFile, MAX_PARSE_THREADS, PARALLEL_MIN_BYTES } from '../../core/dataset/manifest-file.js';
import { EXPORT_FORMATS, EXPORT_PROFILES, EXPORT_SELECTIONS, ExportError, IMAGE_MODES, exportFineTuneSet, type ExportRecord } from '../../core/export/index.js';
import { DEFAULT_CARD_SAMPLE, DEFAULT_EXPORT_SELECTION, DEFAULT_IMAGE_MODE, DEFAULT_PARQUET_SHARD_MB, DEFAULT_T2I_RATIO, DEFAULT_VALIDATION_SHARE, DEFAULT_WEBDATASET_SHARD_SIZE } from '../../core/export/index.js';
import { MANIFEST_NAME, TEXT_SOURCES, type TextSource } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { codedErrorExit, abortOnSigint, choiceOption, intOption, parseFolderArgs, type CliCommand } from '../command.js';
import { createProgressLine } from '../progress.js';
import { DEFAULT_NEAR_DISTANCE, MAX_NEAR_DISTANCE } from '../../core/dataset/duplicates.js';
import { promises as fs } from 'node:fs';
import { warnProblems, writeErr } from '../terminal-text.js';

const help = `usage: recaption export <folder> --profile ssc|dsc|t2i --format ${EXPORT_FORMATS.join('|')} --out DIR
                        [--ratio ${DEFAULT_T2I_RATIO}] [--seed N] [--val ${DEFAULT_VALIDATION_SHARE}] [--select approved|unrejected]
                        [--images copy|link|none] [--shard-size N] [--shard-mb N] [--lines alt,ssc,dsc]
                        [--prompt TEXT] [--license ID] [--dedup] [--near-distance N] [--follow-external-links]
                        [--card-sample N|all] [--parse-threads N] [--force] [--json]

Writes a fine-tune set from <folder>/${MANIFEST_NAME}, with export.json (settings, counts, skips) beside it.

  --profile      ssc: (image, short caption)   dsc: (image, descriptive caption)
                 t2i: the DSC with probability --ratio, else the ground-truth alt-text
  --format       hf: imagefolder train/ validation/ with metadata.jsonl
                 parquet: data/train-00000-of-0000N.parquet, images embedded (the Hub's own layout)
                 sidecar: image + .txt   webdataset: .tar shards   llava: conversation JSON   openai: chat JSONL
  --out DIR      output folder: must be empty and outside the dataset unless --force
  --ratio P      t2i: probability of the DSC (default ${DEFAULT_T2I_RATIO})
  --seed N       seed of the split and blend draws (default 0); same seed, same export
  --val P        share of images in validation/ (default ${DEFAULT_VALIDATION_SHARE})
  --select S     approved: only approved captions (default); unrejected: all but rejected ones
  --images M     copy (default), link (hard links; copies across file systems), none (captions only;
                 parquet then has a file_name column relative to the dataset)
  --shard-size N webdataset samples per shard (default ${DEFAULT_WEBDATASET_SHARD_SIZE})
  --shard-mb N   parquet: cut a shard once it passes N MB (default ${DEFAULT_PARQUET_SHARD_MB})
  --lines KINDS  sidecar: write these texts one per line (e.g. alt,ssc,dsc), of which kohya and OneTrainer
                 pick one at random each step; each obeys --select (the alt-text needs no review)
  --prompt TEXT  instruction for llava/openai (default depends on the profile)
  --license ID   the dataset's license for its card (README.md), as the Hub names it (e.g. cc-by-4.0)
  --dedup        one image per duplicate group (same bytes, or perceptual hashes within --near-distance);
                 without it every image goes out, and a group always shares one split
  --near-distance N  Hamming distance of perceptual hashes that counts as near (default ${DEFAULT_NEAR_DISTANCE}, 0-${MAX_NEAR_DISTANCE})
  --follow-external-links
                 export images that are links (or in folders that are links) leading outside the dataset
                 folder; off: they are skipped and named in a warning (as the scan skips them)
  --card-sample N|all
                 the dataset card measures the texts of at most N records in full (default ${DEFAULT_CARD_SAMPLE}):
                 a larger manifest has a seeded sample of N/2 to N of them measured, and the card says so;
                 every text is still counted, and so are identical ones. all: measure every record
  --parse-threads N
                 threads that parse a manifest of ${PARALLEL_MIN_BYTES >> 20} MB or more, range by range (default: one per core
                 but one, up to ${MAX_PARSE_THREADS}); 0 or 1: the export's own thread parses it. The output is the same
  --force        replace an earlier export in the folder (your other files there stay) or write inside the dataset
  --json         print export.json on stdout

The export is built beside --out and moved in whole: --out holds the earlier export, or the new one,
never a mix. Run again after a kill, the same command finishes the job (and exits 0 when the folder
already holds this export).`;

function choice<T extends string>(value: string | undefined, name: string, allowed: readonly T[], fallback?: T): T {
  const chosen = choiceOption(value, name, allowed) ?? fallback;
  if (chosen === undefined) throw new CliError(`--${name} is required (${allowed.join('|')})\n${help}`, 2);
  return chosen;
}

/** --card-sample: records the card measures in full, or null for all of them. */
function cardSampleOption(value: string | undefined): number | null {
  if (value?.trim() === 'all') return null;
  try {
    return intOption(value, 'card-sample', DEFAULT_CARD_SAMPLE, 1);
  } catch {
    throw new CliError(`--card-sample must be "all" or a whole number of records from 1, got "${value}"`, 2);
  }
}

function shareOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new CliError(`--${name} must be a number between 0 and 1, got "${value}"`, 2);
  return n;
}

function linesOption(value: string): TextSource[] {
  const kinds = value.split(',').map((k) => k.trim());
  for (const kind of kinds) choiceOption(kind, 'lines', TEXT_SOURCES);
  return kinds as TextSource[];
}

function summary(record: ExportRecord, out: string): string {
  const lines = [`exported ${record.counts.total} images to ${out} (train ${record.counts.train}, validation ${record.counts.validation})`];
  if (record.profile === 't2i') {
    const alt = (record.caption_sources.train.alt ?? 0) + (record.caption_sources.validation.alt ?? 0);
    lines.push(`captions: ${record.counts.total - alt} DSC, ${alt} alt-text; ${record.alt_fallback} drew the alt-text but had none and got the DSC`);
  }
  const skipped = Object.entries(record.skipped).map(([reason, n]) => `${reason} ${n}`);
  if (skipped.length) lines.push(`skipped ${record.skipped_total}: ${skipped.join(', ')}`);
  if (record.select === 'approved' && record.skipped['not-approved']) {
    lines.push(`(${record.skipped['not-approved']} captions are not approved yet; --select unrejected exports them too)`);
  }
  for (const note of record.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write a fine-tune set (captioner SSC/DSC or text-to-image blend) in a trainer format',
  help,
  async run(args) {
    const { values, positionals, folder } = await parseFolderArgs(
      args,
      {
        profile: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        ratio: { type: 'string' },
        seed: { type: 'string' },
        val: { type: 'string' },
        select: { type: 'string' },
        images: { type: 'string' },
        'shard-size': { type: 'string' },
        'shard-mb': { type: 'string' },
        lines: { type: 'string' },
        license: { type: 'string' },
        prompt: { type: 'string' },
        dedup: { type: 'boolean' },
        'near-distance': { type: 'string' },
        'follow-external-links': { type: 'boolean' },
        'card-sample': { type: 'string' },
        'parse-threads': { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      help,
    );
    const profile = choice(values.profile, 'profile', EXPORT_PROFILES);
    const format = choice(values.format, 'format', EXPORT_FORMATS);
    if (!values.out) throw new CliError(`--out is required\n${help}`, 2);
    // Read once as it streams by: no index of a million records is built first.
    const threads = values['parse-threads'] === undefined ? undefined : intOption(values['parse-threads'], 'parse-threads', 0, 0);
    const manifest = new ManifestFile(folder, MANIFEST_NAME, { threads });
    if (!(await fs.stat(manifest.manifestPath).catch(() => null))) {
      throw new CliError(`${folder} has no ${MANIFEST_NAME} yet; run "recaption scan ${positionals[0]}" first`);
    }
    const progress = createProgressLine('exported');
    const sigint = abortOnSigint();
    try {
      const { out, record, notices, warnings, problems } = await exportFineTuneSet({
        store: manifest,
        out: values.out,
        profile,
        format,
        ratio: shareOption(values.ratio, 'ratio', DEFAULT_T2I_RATIO),
        seed: intOption(values.seed, 'seed', 0),
        validation: shareOption(values.val, 'val', DEFAULT_VALIDATION_SHARE),
        select: choice(values.select, 'select', EXPORT_SELECTIONS, DEFAULT_EXPORT_SELECTION),
        images: choice(values.images, 'images', IMAGE_MODES, DEFAULT_IMAGE_MODE),
        shardSize: intOption(values['shard-size'], 'shard-size', DEFAULT_WEBDATASET_SHARD_SIZE, 1),
        shardMb: intOption(values['shard-mb'], 'shard-mb', DEFAULT_PARQUET_SHARD_MB, 1),
        lines: values.lines === undefined ? undefined : linesOption(values.lines),
        license: values.license,
        prompt: values.prompt,
        dedup: values.dedup ?? false,
        nearDistance: intOption(values['near-distance'], 'near-distance', DEFAULT_NEAR_DISTANCE),
        force: values.force ?? false,
        followExternalLinks: values['follow-external-links'] === true,
        cardSample: cardSampleOption(values['card-sample']),
        signal: sigint.signal,
        onProgress: (p) => progress.update(p.done, p.total, p.phase === 'writing' ? undefined : p.phase),
      });
      progress.finish(summary(record, out));
      warnProblems(problems, MANIFEST_NAME, 'not exported');
      for (const notice of notices) writeErr(`note: ${notice}\n`);
      for (const warning of warnings) writeErr(`warning: ${warning}\n`);
      if (values.json) process.stdout.write(JSON.stringify(record, null, 2) + '\n');
      return 0;
    } catch (err) {
      progress.finish();
      if (err instanceof ExportError) return codedErrorExit(err, ['bad-option']);
      throw err;
    } finally {
      sigint.dispose();
    }
  },
};
