// Writes a generated manifest for scale measurements: `npx tsx scripts/gen-manifest.ts <records> <folder>`
// (the folder gets recaption.jsonl and no images; enough for stats, export captions-only and the editor).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_NAME } from '../src/shared/record.js';
import { writeSyntheticManifest } from './lib/synthetic-manifest.js';

async function main(): Promise<void> {
  const [count, folder] = process.argv.slice(2);
  const n = Number(count);
  if (!Number.isSafeInteger(n) || n < 1 || !folder) throw new Error('usage: npx tsx scripts/gen-manifest.ts <records> <folder>');
  await fs.mkdir(folder, { recursive: true });
  const bytes = await writeSyntheticManifest(path.join(folder, MANIFEST_NAME), n);
  console.log(`${path.join(folder, MANIFEST_NAME)}: ${n} records, ${(bytes / 1e6).toFixed(0)} MB`);
}

main().catch((err: unknown) => {
  console.error(String(err));
  process.exit(1);
});
