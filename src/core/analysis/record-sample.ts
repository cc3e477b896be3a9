// Which records a sampled habit report measures in full. A large export's dataset card measures a seeded
// sample of its records (words, habits, phrases, loops, defect flags) and counts every text's identity, so
// its shares are estimates with a known margin and its duplicate counts stay exact. The choice depends on
// the seed and the image's name alone: the same export measures the same images.
import { textHash } from '../text/text-hash.js';

export interface RecordSampleOptions {
  seed: number;
  /** How many records to measure in full at most: a share of the records expected, a power of two, measures half to all of it. */
  records: number;
}

/** murmur3's 32-bit finaliser: every bit of the input moves about half of the output's. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class RecordSample {
  private readonly seedBits: number;
  /** The share of records measured, once the pass said how many it expects. */
  private rate: number | null = null;

  constructor(private readonly options: RecordSampleOptions) {
    this.seedBits = mix32(textHash(`recaption-sample\0${options.seed}`) % 2 ** 32);
  }

  /**
   * Fixes the share measured, from the records the pass expects in all; later calls change nothing. The
   * share is a power of two (between half and all of `records` are measured), so counts a few per cent
   * apart (a file's estimated from its first block, an index's exact one) nearly always give the same.
   */
  expect(records: number): void {
    if (this.rate !== null) return;
    this.rate = records <= this.options.records ? 1 : 2 ** -Math.ceil(Math.log2(records / this.options.records));
  }

  /** The share of records measured (1 before expect()). */
  get share(): number {
    return this.rate ?? 1;
  }

  /** Whether the record of this image is measured in full. */
  measures(fileName: string): boolean {
    const rate = this.share;
    if (rate >= 1) return true;
    // The text hash's high 32 bits, mixed with the seed's.
    const high = Math.floor(textHash(fileName) / 2 ** 21);
    return mix32(high ^ this.seedBits) / 2 ** 32 < rate;
  }
}
