// Child process for the kill trials: what every command that writes the manifest does, once.
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';

async function main(): Promise<void> {
  const store = await ManifestStore.open(process.argv[2]!);
  await store.save();
  process.stdout.write('saved\n');
}
void main();
