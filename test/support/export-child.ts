// Child process for the kill trials: one export with the settings given as JSON, saying on stdout when it
// starts finishing (the card), when it starts moving the export into place, and when it is done.
import { ManifestFile } from '../../src/core/dataset/manifest-file.js';
import { exportFineTuneSet, type ExportOptions } from '../../src/core/export/index.js';

export type ChildExportSettings = Pick<ExportOptions, 'profile' | 'format' | 'images' | 'shardSize' | 'validation' | 'force'>;

async function main(): Promise<void> {
  const [dataset, out, json] = process.argv.slice(2) as [string, string, string];
  const settings = JSON.parse(json) as ChildExportSettings;
  // The manifest read once as it streams by, as the CLI exports it.
  const store = new ManifestFile(dataset);
  const said = new Set<string>();
  const { notices } = await exportFineTuneSet({
    store,
    out,
    ...settings,
    onProgress: (p) => {
      if (p.phase !== 'writing' && !said.has(p.phase)) {
        said.add(p.phase);
        process.stdout.write(`${p.phase}\n`);
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
