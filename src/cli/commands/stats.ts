import * as path from 'node:path';
import { ManifestStore } from '../../core/dataset/manifest-store.js';
import type { CaptionCounts } from '../../core/dataset/stats.js';
import { formatHabitReport, habitReportOf } from '../../core/analysis/index.js';
import { describeAudit } from '../../core/analysis/audit.js';
import { streamStatsReport } from '../../core/analysis/stats-report.js';
import { DEFECT_FLAGS, type DefectFlag } from '../../shared/defect-flags.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { parseFolderArgs, type CliCommand } from '../command.js';
import { promises as fs } from 'node:fs';
import { warnProblems, writeOut } from '../terminal-text.js';

const help = `usage: recaption stats <folder> [--json] [--no-flags] [--report]

Counts in <folder>/${MANIFEST_NAME}: images, with alt-text, with SSC, with DSC, reviewed, errors, and
the records with each defect flag (${DEFECT_FLAGS.join(', ')}).

  --json     print the counts as JSON on stdout
  --no-flags leave the defect flags out (faster: no caption is read for them); the JSON then has no
             "flagged" and "flags" fields, and the text no "flagged" line
  --report   the caption habit report: alt-text, SSC and DSC side by side (lengths, openings, periods,
             loops, duplicates) and the habits a text-to-image model would learn from them`;

function captionLine(name: string, c: CaptionCounts): string {
  return `${name.padEnd(14)}${c.present}  (model ${c.byModel}, human ${c.byHuman}, import ${c.byImport}, upsample ${c.byUpsample}; approved ${c.approved}, rejected ${c.rejected})`;
}

function flagList(counts: Record<DefectFlag, number>): string {
  const present = DEFECT_FLAGS.filter((f) => counts[f] > 0).map((f) => `${f} ${counts[f]}`);
  return present.length > 0 ? `  (${present.join(', ')})` : '';
}

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'count images, alt-texts, captions, reviews and errors',
  help,
  async run(args) {
    const { values, positionals, folder } = await parseFolderArgs(args, { json: { type: 'boolean' }, 'no-flags': { type: 'boolean' }, report: { type: 'boolean' } }, help);
    const manifest = path.join(folder, MANIFEST_NAME);
    if (!(await fs.stat(manifest).catch(() => null))) {
      throw new CliError(`${folder} has no ${MANIFEST_NAME} yet; run "recaption scan ${positionals[0]}" first`);
    }
    if (values.report) {
      const store = await ManifestStore.open(folder);
      warnProblems(store.problems, MANIFEST_NAME);
      const report = await habitReportOf(store.records());
      writeOut((values.json ? JSON.stringify(report, null, 2) : formatHabitReport(report)) + '\n');
      return 0;
    }
    // Counted as the file streams by: no size of manifest is held in memory.
    const { report: stats, problems } = await streamStatsReport(manifest, { flags: !values['no-flags'] });
    warnProblems(problems, MANIFEST_NAME);
    if (values.json) {
      process.stdout.write(JSON.stringify(stats, null, 2) + '\n');
      return 0;
    }
    writeOut(
      [
        `images        ${stats.images}`,
        `with alt      ${stats.withAlt}`,
        captionLine('with SSC', stats.ssc),
        captionLine('with DSC', stats.dsc),
        `reviewed      ${stats.reviewed}`,
        `errors        ${stats.errors}`,
        `missing       ${stats.missing}`,
        `stale         ${stats.stale}`,
        ...('flags' in stats ? [`flagged       ${stats.flagged}${flagList(stats.flags)}`] : []),
        ...(stats.audit.sampled > 0 ? describeAudit(stats.audit) : []),
        ...(stats.malformedLines ? [`bad lines     ${stats.malformedLines}`] : []),
      ].join('\n') + '\n',
    );
    return 0;
  },
};
