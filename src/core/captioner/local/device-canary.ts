// The canary: before `auto` commits a run to a GPU, one real batch goes through every session of the model
// on that GPU and the same batch through the same weights on the CPU; the GPU is used only when it
// answers and its captions equal the CPU's. A GPU that loads but computes wrong (a kernel bug, a driver
// that drops precision, an IO-binding fault) would otherwise caption a whole dataset with garbage.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { CaptionKind } from '../../../shared/record.js';
import type { PreparedImage } from '../backend.js';
import { errorLine } from '../../util/error-line.js';

/** The part of a loaded captioner the canary drives. */
export interface CanaryCaptioner {
  readonly device: string;
  readonly tasks: readonly CaptionKind[];
  prepare(filePath: string, fileName: string): Promise<PreparedImage>;
  /** One batch; throws when the batch fails. */
  captionBatch(images: readonly PreparedImage[], tasks: readonly CaptionKind[]): Promise<{ ok: boolean; captions?: Partial<Record<CaptionKind, string>>; error?: string }[]>;
}

/** `batch`: the largest batch the GPU ran (a failed batch is halved until one runs, as a run would). */
export type CanaryVerdict = { ok: true; batch: number; note?: string } | { ok: false; reason: string };

/** Distinct, deterministic pictures: colour fields with a bar, so each canary row has its own caption. */
const CANARY_COLOURS: readonly [number, number, number][] = [
  [200, 40, 30],
  [30, 170, 60],
  [40, 60, 210],
  [120, 120, 120],
];

async function writeCanaryImages(folder: string, count: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const [r, g, b] = CANARY_COLOURS[i % CANARY_COLOURS.length]!;
    const bar = await sharp({ create: { width: 24, height: 96, channels: 3, background: { r: 255 - r, g: 255 - g, b: 255 - b } } }).png().toBuffer();
    const file = path.join(folder, `canary-${i}.png`);
    await sharp({ create: { width: 128, height: 96, channels: 3, background: { r, g, b } } })
      .composite([{ input: bar, left: (i * 17) % 100, top: 0 }])
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}


/**
 * Runs one batch of `batchSize` canary images on `gpu` (halved until it runs), then the same images on the
 * CPU captioner `loadCpu` gives (loaded with the GPU's weights), and compares every caption. `loadCpu` returning null means the CPU cannot run
 * those weights: the GPU is then trusted on its answer alone, and the note says so.
 */
export async function runCanary(gpu: CanaryCaptioner, loadCpu: () => Promise<CanaryCaptioner | null>, batchSize: number): Promise<CanaryVerdict> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-canary-'));
  try {
    const files = await writeCanaryImages(folder, Math.max(1, batchSize));
    const task = gpu.tasks[0]!;
    const caption = async (captioner: CanaryCaptioner, batch: readonly string[]): Promise<string[]> => {
      const images = await Promise.all(batch.map((f) => captioner.prepare(f, path.basename(f))));
      const results = await captioner.captionBatch(images, [task]);
      return results.map((r, i) => {
        const text = r.ok ? r.captions?.[task] : undefined;
        if (!text) throw new Error(`canary image ${i + 1} got no caption${r.error ? `: ${r.error}` : ''}`);
        return text;
      });
    };
    let onGpu: string[] | null = null;
    let batch = files.length;
    const failures: string[] = [];
    for (;;) {
      try {
        onGpu = await caption(gpu, files.slice(0, batch));
        break;
      } catch (err) {
        failures.push(`${batch}: ${errorLine(err)}`);
        if (batch === 1) return { ok: false, reason: `its canary batch failed (batch ${failures.join('; batch ')})` };
        batch = Math.ceil(batch / 2);
      }
    }
    const cpu = await loadCpu();
    const halved = failures.length ? `; a batch of ${files.length} failed (${errorLine(failures[0])}), ${batch} ran` : '';
    if (!cpu) return { ok: true, batch, note: `canary not compared: the CPU cannot run these weights${halved}` };
    const onCpu = await caption(cpu, files.slice(0, batch));
    const differ = onGpu.findIndex((text, i) => text !== onCpu[i]);
    if (differ >= 0) return { ok: false, reason: `its canary caption differs from the CPU's ("${onGpu[differ]!.slice(0, 80)}" against "${onCpu[differ]!.slice(0, 80)}")` };
    return { ok: true, batch, ...(halved ? { note: halved.slice(2) } : {}) };
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
}
