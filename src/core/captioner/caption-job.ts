// One captioning job, the same for the extension and the CLI: scan the folder (incrementally: unchanged
// files are not read again), then, when there are images, open the captioner (in the engine process) and
// run the pipeline over the manifest, saving as it goes; the captioner is always released at the end, so
// its process and the model's memory go back to the system.
import { scanDataset, type ScanOptions, type ScanReport } from '../dataset/scan.js';
import type { ManifestAccess } from '../dataset/manifest-access.js';
import type { CaptionBackend } from './backend.js';
import { runCaptioning, type CaptioningOptions, type CaptioningSummary } from './pipeline.js';

export type CaptionJobPhase = 'scanning' | 'loading' | 'captioning';

export interface CaptionJobOptions extends Omit<CaptioningOptions, 'backend' | 'store' | 'folder'> {
  folder: string;
  /** The manifest to work on (an editor's run access, a shard's store). */
  store: ManifestAccess;
  /** How to scan first; false: do not (a shard job works on the folder's one scan). */
  scan: Omit<ScanOptions, 'signal'> | false;
  openBackend(signal: AbortSignal | undefined): Promise<CaptionBackend>;
  /** Called once the backend is open, before captioning (e.g. to print its device line). */
  onBackend?: (backend: CaptionBackend) => void;
  /** Each phase as it starts; from 'loading' on, with the scan's report when there was a scan. */
  onPhase?: (phase: CaptionJobPhase, scan: ScanReport | null) => void;
}

export interface CaptionJobResult {
  scan: ScanReport | null;
  /** Null when there was nothing to caption (no images) or the scan was cancelled. */
  summary: CaptioningSummary | null;
  cancelled: boolean;
}

export async function runCaptionJob(options: CaptionJobOptions): Promise<CaptionJobResult> {
  const { folder, store, signal } = options;
  let scan: ScanReport | null = null;
  if (options.scan) {
    options.onPhase?.('scanning', null);
    scan = (await scanDataset(folder, { ...options.scan, signal }, store)).report;
    if (scan.cancelled || signal?.aborted) return { scan, summary: null, cancelled: true };
    if (scan.images === 0) return { scan, summary: null, cancelled: false };
  }
  options.onPhase?.('loading', scan);
  const backend = await options.openBackend(signal);
  try {
    options.onBackend?.(backend);
    options.onPhase?.('captioning', scan);
    const summary = await runCaptioning({ ...options, folder, store, backend });
    return { scan, summary, cancelled: summary.cancelled };
  } finally {
    await backend.dispose();
  }
}
