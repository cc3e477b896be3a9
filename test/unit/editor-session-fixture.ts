// A real dataset for the editor session's tests, without VS Code: a manifest of 300 images in a temporary
// folder, the edit model over it with its undo stack, the pattern sandbox's worker, and a viewer made by
// the editor's real thumbnail cache (URIs are the file paths behind a scheme).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CaptionEditModel, type CaptionEdit } from '../../src/core/document/caption-edit-model.js';
import { EditorSession } from '../../src/core/document/editor-session.js';
import type { RecordViewer } from '../../src/core/document/record-views.js';
import { ManifestStore } from '../../src/core/dataset/manifest-store.js';
import type { PatternSandbox } from '../../src/core/dataset/pattern-sandbox.js';
import { ThumbnailCache } from '../../src/extension/editor/thumbnails.js';
import { EMPTY_QUERY, type RecordQuery } from '../../src/shared/record-query.js';
import { emptyRecord, MANIFEST_NAME } from '../../src/shared/record.js';
import { makeTempDir, removeDir } from '../support/temp-dataset.js';
import { sourceSandbox } from '../support/pattern-worker.js';

export const RECORDS = 300;
/** The image without an SSC. */
export const UNCAPTIONED = 298;
export const nameOf = (i: number): string => `img-${String(i).padStart(3, '0')}.png`;
/** The odd images: 150 of them, the filter most tests page and select within. */
export const ODD: RecordQuery = { ...EMPTY_QUERY, text: 'odd' };
export const uriOf = (file: string): string => `webview:${file}`;

export interface SessionFixture {
  dir: string;
  model: CaptionEditModel;
  session: EditorSession;
  viewer: RecordViewer;
  /** The undo stack, as the host keeps it. */
  stack: CaptionEdit[];
  /** Log lines the session wrote. */
  lines: string[];
  patterns: PatternSandbox;
}

/**
 * Images img-000 … img-299: SSC "an odd cat 1" or "an even cat 2", DSC "machine description 3"; every
 * tenth image has both captions approved; the last even one, img-298, has no SSC.
 */
export async function writeDataset(dir: string): Promise<void> {
  const store = await ManifestStore.open(dir);
  for (let i = 0; i < RECORDS; i++) {
    const name = nameOf(i);
    store.put({ ...emptyRecord(name), width: 8, height: 8 });
    if (i !== UNCAPTIONED) store.writeMachineCaption(name, 'ssc', { text: `an ${i % 2 ? 'odd' : 'even'} cat ${i}`, by: 'model', model: 'm' });
    store.writeMachineCaption(name, 'dsc', { text: `machine description ${i}`, by: 'model', model: 'm' });
    if (i % 10 === 0 && i !== UNCAPTIONED) for (const kind of ['ssc', 'dsc'] as const) store.setReview(name, kind, 'approved');
  }
  await store.save();
  store.close();
}

/** Runs `run` on a fresh dataset and session (the model loaded unless `load` is false), then cleans up. */
export async function withSession(run: (f: SessionFixture) => Promise<void>, { load = true } = {}): Promise<void> {
  const dir = await makeTempDir('recaption-session-');
  const patterns = sourceSandbox();
  let model: CaptionEditModel | undefined;
  try {
    await writeDataset(dir);
    model = await CaptionEditModel.open(path.join(dir, MANIFEST_NAME));
    if (load) await model.ready;
    const stack: CaptionEdit[] = [];
    model.onDidEdit((e) => stack.push(e));
    const lines: string[] = [];
    const session = new EditorSession(model, patterns, (line) => lines.push(line));
    const viewer = new ThumbnailCache(path.join(dir, '.thumbs')).viewer(dir, uriOf);
    await run({ dir, model, session, viewer, stack, lines, patterns });
  } finally {
    await model?.ready.catch(() => undefined);
    model?.dispose();
    patterns.dispose();
    await removeDir(dir);
  }
}

/** Another program writes the manifest (a teammate's pull): a new file renamed over the old one. */
export async function writeOnDisk(dir: string, change: (store: ManifestStore) => void): Promise<void> {
  const store = await ManifestStore.open(dir);
  change(store);
  const tmp = path.join(dir, 'elsewhere.tmp');
  await fs.writeFile(tmp, store.serialize());
  store.close();
  await fs.rename(tmp, path.join(dir, MANIFEST_NAME));
}
