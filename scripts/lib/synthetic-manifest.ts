// A generated manifest of n records (no image files): for measuring the editor and the CLI at the scale of
// real datasets. Names are spread over folders of 1,000; one in five SSCs is approved.
import { createWriteStream, promises as fs } from 'node:fs';

/** The i-th record's image name: folders of 1,000. */
export function syntheticFileName(i: number): string {
  return `shard-${String(Math.floor(i / 1000)).padStart(3, '0')}/img-${String(i).padStart(7, '0')}.jpg`;
}

export async function writeSyntheticManifest(file: string, n: number): Promise<number> {
  const out = createWriteStream(file);
  const at = new Date().toISOString();
  for (let i = 0; i < n; i++) {
    const name = syntheticFileName(i);
    const r = {
      file_name: name,
      width: 640,
      height: 480,
      sha256: i.toString(16).padStart(64, '0'),
      alt: { text: `photo number ${i} from the archive`, source: 'sidecar' },
      ssc: { text: `a photo of object ${i % 97} on a table`, by: 'model', model: 'florence-2-base', at, review: i % 5 === 0 ? 'approved' : null },
      dsc: {
        text: `The image shows object ${i % 97} resting on a wooden table near a window. Soft daylight falls from the left, the background is a plain wall, and the colours are muted browns and greys.`,
        by: 'model',
        model: 'florence-2-base',
        at,
        review: null,
      },
      error: null,
    };
    if (!out.write(`${JSON.stringify(r)}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res) => out.end(res));
  return (await fs.stat(file)).size;
}
