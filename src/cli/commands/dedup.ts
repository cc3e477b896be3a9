// recaption dedup: list groups of duplicate images, exact (same bytes) and near (perceptual hashes within
// a Hamming distance). Images scanned without a perceptual hash get one first.
import * as path from 'node:path';
import { ManifestStore } from '../../core/dataset/manifest-store.js';
import { DEFAULT_NEAR_DISTANCE, duplicateGroupsOf, MAX_NEAR_DISTANCE, nearDistanceProblem } from '../../core/dataset/duplicates.js';
import { DEFAULT_MAX_PIXELS } from '../../core/limits.js';
import { perceptualHash } from '../../core/dataset/perceptual-hash.js';
import { mapConcurrent } from '../../core/util/map-concurrent.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { CliError } from '../cli-error.js';
import { intOption, parseFolderArgs, type CliCommand } from '../command.js';
import { createProgressLine } from '../progress.js';
import { warnProblems, writeOut } from '../terminal-text.js';

const help = `usage: recaption dedup <folder> [--distance N] [--json]

Lists groups of duplicate images in <folder>/${MANIFEST_NAME}: exact (the same bytes, by sha256) and near
(perceptual hashes at most N of 64 bits apart: resized, recompressed or lightly edited copies). Images
scanned with --no-phash are hashed first and their hashes saved. Export keeps each group in one split;
"recaption export --dedup" exports one image per group.

  --distance N  Hamming distance that counts as near (default ${DEFAULT_NEAR_DISTANCE}, 0 to ${MAX_NEAR_DISTANCE})
  --json        print the groups as JSON: [{"kind": "exact"|"near", "members": [file names]}]`;

export const dedupCommand: CliCommand = {
  name: 'dedup',
  summary: 'list exact and near-duplicate images (sha256 and perceptual hashes)',
  help,
  async run(args) {
    const { values, positionals, folder } = await parseFolderArgs(args, { distance: { type: 'string' }, json: { type: 'boolean' } }, help);
    const distance = intOption(values.distance, 'distance', DEFAULT_NEAR_DISTANCE);
    const problem = nearDistanceProblem(distance);
    if (problem) throw new CliError(`--distance: ${problem}`, 2);
    const store = await ManifestStore.open(folder);
    try {
      if (store.size === 0) throw new CliError(`${folder} has no ${MANIFEST_NAME} records yet; run "recaption scan ${positionals[0]}" first`);
      warnProblems(store.problems, MANIFEST_NAME);
      const unhashed: string[] = [];
      for (const r of store.records()) if (!r.missing && !r.error && r.phash === undefined) unhashed.push(r.file_name);
      if (unhashed.length > 0) {
        const progress = createProgressLine('hashed');
        let done = 0;
        let failed = 0;
        await mapConcurrent(unhashed, 4, async (name) => {
          const file = path.join(folder, ...name.split('/'));
          const phash = await perceptualHash(file, DEFAULT_MAX_PIXELS).catch(() => null);
          // An image that does not decode keeps no hash; "recaption scan --rehash" records why.
          if (phash) store.put({ ...store.get(name)!, phash });
          else failed++;
          progress.update(++done, unhashed.length);
        });
        await store.save();
        progress.finish(`hashed ${unhashed.length - failed} images${failed ? `; ${failed} did not decode (run "recaption scan --rehash" to record why)` : ''}`);
      }
      const groups = duplicateGroupsOf(store.records(), distance);
      if (values.json) {
        writeOut(JSON.stringify(groups, null, 2) + '\n');
        return 0;
      }
      const grouped = groups.reduce((n, g) => n + g.members.length, 0);
      const lines = groups.map((g, i) => `group ${i + 1} (${g.kind}, ${g.members.length} images): ${g.members.join(', ')}`);
      lines.push(`${groups.length} groups, ${grouped} images; ${grouped - groups.length} would go with --dedup (distance ${distance})`);
      writeOut(lines.join('\n') + '\n');
      return 0;
    } finally {
      store.close();
    }
  },
};
