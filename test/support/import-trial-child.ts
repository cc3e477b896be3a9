// Child process for the import kill trials: one `importDataset` of the source into the folder given, saying
// on stdout when it starts, when it starts reading (the first progress), when it starts on the manifest,
// and when it is done, so that kills can be aimed at each phase.
import { importDataset } from '../../src/core/import/index.js';

async function main(): Promise<void> {
  const [source, out] = process.argv.slice(2) as [string, string];
  const said = new Set<string>();
  const say = (mark: string) => {
    if (said.has(mark)) return;
    said.add(mark);
    process.stdout.write(`${mark}\n`);
  };
  say('started');
  await importDataset({ source, out, phash: false, onProgress: (p) => say(p.phase === 'reading' ? 'reading' : 'manifest') });
  say('done');
}
main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
