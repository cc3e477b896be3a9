// Child process for the crash test: saves two different manifests over one path in a loop until killed.
import { writeFileAtomic } from '../../src/core/dataset/atomic-write.js';
import { readFileSync } from 'node:fs';

async function main(): Promise<void> {
  const [target, fileA, fileB] = process.argv.slice(2) as [string, string, string];
  const contents = [readFileSync(fileA, 'utf8'), readFileSync(fileB, 'utf8')];
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) await writeFileAtomic(target, contents[i % 2]!);
}
void main();
