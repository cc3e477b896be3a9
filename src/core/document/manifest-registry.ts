// One edit model per manifest file, shared by everything that opens it: the caption editor and every run
// (captioning, scanning, upsampling). Leases are counted; the model goes when the last one is released.
import * as path from 'node:path';
import { CaptionEditModel } from './caption-edit-model.js';
import type { ManifestOpenOptions } from '../dataset/manifest-store.js';

export interface ManifestLease {
  readonly model: CaptionEditModel;
  /** Gives the lease back; idempotent. */
  release(): void;
}

interface Entry {
  opening: Promise<CaptionEditModel>;
  model: CaptionEditModel | null;
  leases: number;
}

export class ManifestRegistry {
  private readonly entries = new Map<string, Entry>();

  /** `options`: how every model of this registry opens its manifest (the extension indexes in a worker). */
  constructor(private readonly options: ManifestOpenOptions = {}) {}

  private static keyOf(manifestPath: string): string {
    return path.resolve(manifestPath);
  }

  /** The model for `manifestPath`, opened (head only) on first use. */
  async acquire(manifestPath: string): Promise<ManifestLease> {
    const key = ManifestRegistry.keyOf(manifestPath);
    let entry = this.entries.get(key);
    if (!entry) {
      const created: Entry = { opening: CaptionEditModel.open(key, this.options), model: null, leases: 0 };
      created.opening.then(
        (model) => (created.model = model),
        () => this.entries.get(key) === created && this.entries.delete(key),
      );
      this.entries.set(key, created);
      entry = created;
    }
    entry.leases++;
    let model: CaptionEditModel;
    try {
      model = await entry.opening;
    } catch (err) {
      entry.leases--;
      throw err;
    }
    let released = false;
    const owner = entry;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        owner.leases--;
        if (owner.leases === 0 && this.entries.get(key) === owner) {
          this.entries.delete(key);
          model.dispose();
        }
      },
    };
  }

  /** The open model for `manifestPath`, if anything holds one. */
  find(manifestPath: string): CaptionEditModel | undefined {
    return this.entries.get(ManifestRegistry.keyOf(manifestPath))?.model ?? undefined;
  }

  get openCount(): number {
    return this.entries.size;
  }
}
