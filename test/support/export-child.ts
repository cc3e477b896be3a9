// Child process for the kill trials: one export, saying on stdout when it starts committing.
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import { exportFineTuneSet } from '../../src/core/export/index.js';
import type { ExportProfile } from '../../src/core/export/types.js';

async function main(): Promise<void> {
  const [dataset, out, profile, shardSize] = process.argv.slice(2) as [string, string, ExportProfile, string];
  const store = await ManifestStore.open(dataset);
  let said = false;
  const { notices } = await exportFineTuneSet({
    store,
    out,
    profile,
    format: 'webdataset',
    shardSize: Number(shardSize),
    validation: 0.1,
    force: true,
    onProgress: (p) => {
      if (p.phase === 'finishing' && !said) {
        said = true;
        process.stdout.write('finishing\n');
      }
    },
  });
  for (const n of notices ?? []) process.stderr.write(`note: ${n}\n`);
  process.stdout.write('done\n');
}
main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
