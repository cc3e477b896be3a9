// Child process for the save-memory test: opens a manifest, edits one caption, saves, and prints how far
// the process's peak RSS rose during the save (run with --expose-gc, so the floor before it is measured clean).
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';

async function main(): Promise<void> {
  const store = await ManifestStore.open(process.argv[2]!);
  store.writeHumanCaption('a.png', 'ssc', 'edited, so the save writes');
  (globalThis as { gc?: () => void }).gc?.();
  const floor = process.memoryUsage().rss;
  // maxRSS is the peak over the process's life: the open above must stay under what the save adds.
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  await store.save();
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ floor, peakBefore, peak, problems: store.problems.length, size: store.size })}\n`);
  store.close();
}
void main();
