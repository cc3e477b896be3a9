// recaption audit: draw a seeded sample of unreviewed images to review, and say what its reviews imply
// for the captions nobody reviewed.
import { ManifestStore } from '../../core/dataset/manifest-store.js';
import { auditStatsOf, DEFAULT_AUDIT_SEED, describeAudit, drawAuditSample } from '../../core/analysis/audit.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { intOption, parseFolderArgs, type CliCommand } from '../command.js';
import { warnProblems, writeErr, writeOut } from '../terminal-text.js';

const help = `usage: recaption audit <folder> [--sample N] [--seed S] [--json]

With --sample, marks a seeded random sample of N unreviewed images ("audit": true in ${MANIFEST_NAME}) for
people to review. Without it, or once the sample is reviewed, prints the sample's acceptance rate with a
95% Wilson interval and what it implies for the captions nobody reviewed.

  --sample N  the sample's size: images already marked count towards it, so drawing again with the
              same seed and a larger N adds to the sample and never changes it
  --seed S    the seed of the draw (default ${DEFAULT_AUDIT_SEED}); the same seed draws the same images
  --json      print the audit statistics as JSON`;

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'draw a seeded audit sample of unreviewed images; estimate the rejection rate of the rest',
  help,
  async run(args) {
    const { values, positionals, folder } = await parseFolderArgs(args, { sample: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } }, help);
    const store = await ManifestStore.open(folder);
    try {
      if (store.size === 0) throw new CliError(`${folder} has no ${MANIFEST_NAME} records yet; run "recaption scan ${positionals[0]}" first`);
      warnProblems(store.problems, MANIFEST_NAME);
      if (values.sample !== undefined) {
        const size = intOption(values.sample, 'sample', 0, 1);
        const seed = intOption(values.seed, 'seed', DEFAULT_AUDIT_SEED);
        const drawn = await drawAuditSample(store, size, seed);
        const short = drawn.sampled < size ? `; only ${drawn.candidates} unreviewed images could be drawn` : '';
        writeErr(`marked ${drawn.marked} images for audit (seed ${seed}); the sample is ${drawn.sampled} images${short}\n`);
      }
      const stats = auditStatsOf(store.records());
      writeOut(values.json ? JSON.stringify(stats, null, 2) + '\n' : describeAudit(stats).join('\n') + '\n');
      return 0;
    } finally {
      store.close();
    }
  },
};
