import { ManifestStore } from '../../core/dataset/manifest-store.js';
import { computeStats, type CaptionCounts } from '../../core/dataset/stats.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { parseCommandArgs, requireFolder, type CliCommand } from '../command.js';
import { promises as fs } from 'node:fs';

const help = `usage: recaption stats <folder> [--json]

Counts in <folder>/${MANIFEST_NAME}: images, with alt-text, with SSC, with DSC, reviewed, errors.

  --json   print the counts as JSON on stdout`;

function captionLine(name: string, c: CaptionCounts): string {
  return `${name.padEnd(14)}${c.present}  (model ${c.byModel}, human ${c.byHuman}, import ${c.byImport}, upsample ${c.byUpsample}; approved ${c.approved}, rejected ${c.rejected})`;
}

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'count images, alt-texts, captions, reviews and errors',
  help,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } }, help);
    const folder = await requireFolder(positionals, help);
    const store = await ManifestStore.open(folder);
    if (store.size === 0 && store.problems.length === 0 && !(await fs.stat(store.manifestPath).catch(() => null))) {
      throw new CliError(`${folder} has no ${MANIFEST_NAME} yet; run "recaption scan ${positionals[0]}" first`);
    }
    for (const p of store.problems) process.stderr.write(`warning: ${MANIFEST_NAME} line ${p.line}: ${p.message}\n`);
    const stats = computeStats(store.records(), store.problems.length);
    if (values.json) {
      process.stdout.write(JSON.stringify(stats, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(
      [
        `images        ${stats.images}`,
        `with alt      ${stats.withAlt}`,
        captionLine('with SSC', stats.ssc),
        captionLine('with DSC', stats.dsc),
        `reviewed      ${stats.reviewed}`,
        `errors        ${stats.errors}`,
        `missing       ${stats.missing}`,
        `stale         ${stats.stale}`,
        ...(stats.malformedLines ? [`bad lines     ${stats.malformedLines}`] : []),
      ].join('\n') + '\n',
    );
    return 0;
  },
};
