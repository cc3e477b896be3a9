// Seeded kill -9 trials at scale: `npx tsx scripts/kill-trials.ts [--trials 100] [--seed 1] [--only export,save,caption,merge,import]`.
// Export trials go round every format and image mode, into a fresh folder and forced over an earlier export;
// import trials alternate a Parquet file and WebDataset shards.
// Prints one line per kind (and per export set-up) and exits 1 if any trial found something torn, lost, stranded or left over.
import { parseArgs } from 'node:util';
import { TRIALS, TRIAL_KINDS, type TrialKind } from '../test/support/kill-trials.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { trials: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } } });
  const trials = Number(values.trials ?? 100);
  const seed = Number(values.seed ?? 1);
  if (!Number.isInteger(trials) || trials < 1 || !Number.isInteger(seed)) throw new Error('--trials takes a positive integer, --seed an integer');
  const kinds = (values.only?.split(',') ?? TRIAL_KINDS) as TrialKind[];
  const unknown = kinds.filter((k) => !TRIAL_KINDS.includes(k));
  if (unknown.length) throw new Error(`unknown kind(s) ${unknown.join(', ')}; choose from ${TRIAL_KINDS.join(', ')}`);
  let bad = 0;
  for (const kind of kinds) {
    const started = performance.now();
    const t = await TRIALS[kind](trials, seed);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.log(
      `${kind}: ${t.trials} trials (${t.killedMidway} killed before finishing${kind === 'export' ? `, ${t.killedMidSwap} of them while moving the export into place` : ''}), torn ${t.torn}, lost ${t.lost}, stranded ${t.stranded}, leftovers ${t.leftovers}; ${seconds} s`,
    );
    for (const [setup, r] of Object.entries(t.bySetup)) {
      console.log(`  ${setup}: ${r.trials} trials, torn ${r.torn}, lost ${r.lost}, stranded ${r.stranded}, leftovers ${r.leftovers}`);
    }
    for (const f of t.failures) console.log(`  ${f}`);
    bad += t.failures.length;
  }
  return bad === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(String(err));
    process.exit(2);
  },
);
