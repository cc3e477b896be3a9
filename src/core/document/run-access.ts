// What captioning, scanning and upsampling runs see of a manifest open in the editor: they write the saved
// base, seen with the user's unsaved edits on top. A machine write never touches a caption with an unsaved
// edit (a review too: that is a person's), and a run's checkpoint writes the base only.
import * as path from 'node:path';
import { recordState } from '../../shared/record-query.js';
import type { ManifestAccess, WriteOptions } from '../dataset/manifest-access.js';
import type { ManifestStore } from '../dataset/manifest-store.js';
import type { LayeredRecords } from './layered-records.js';
import { keyOf } from './overlay.js';

export interface RunTarget {
  records: LayeredRecords;
  /** Records a run changed in the base since the file was last written (kept through a merge from disk). */
  runWritten: Set<string>;
  /** Writes the base alone (a run's checkpoint). */
  checkpoint(): Promise<void>;
}

/** A ManifestAccess for runs while the manifest is open: the base, under the human-edit rule. */
export function runAccessOf({ records, runWritten, checkpoint }: RunTarget): ManifestAccess {
  const baseWrite = <T>(fileName: string, write: (base: ManifestStore) => T): T => {
    const known = records.base.get(fileName) !== undefined;
    const before = known ? recordState(records.get(fileName)!) : null;
    const result = write(records.base);
    const after = records.get(fileName);
    if (after) {
      if (before === null) records.countAdded(after);
      else records.adjustCounts(before, recordState(after));
    }
    records.noteChanged(fileName);
    runWritten.add(fileName);
    records.flushChanged(false);
    return result;
  };
  const manifestPath = records.manifestPath;
  return {
    folder: path.dirname(manifestPath),
    fileName: path.basename(manifestPath),
    manifestPath,
    get problems() {
      return records.base.problems;
    },
    get size() {
      return records.base.size;
    },
    get isDirty() {
      return records.base.isDirty;
    },
    get: (fileName) => records.get(fileName),
    names: () => records.base.names(),
    records: () => records.records(),
    put: (record) =>
      baseWrite(record.file_name, (base) => {
        const current = base.get(record.file_name);
        if (!current) {
          // A new record: it gets a fresh list position, so indexes are rebuilt.
          base.put(record);
          records.generation++;
          return;
        }
        // A run's put never changes captions: they come from the base, so unsaved edits stay unsaved.
        base.put({ ...record, ssc: current.ssc, dsc: current.dsc });
      }),
    writeMachineCaption: (fileName, kind, caption, options: WriteOptions = {}) => {
      // An unsaved edit, a review too, is a person's: the run leaves that caption alone.
      if ((records.overlay.has(keyOf(fileName, kind)) || records.layerSlot(fileName, kind) !== undefined) && !options.override) return 'protected';
      return baseWrite(fileName, (base) => base.writeMachineCaption(fileName, kind, caption, options));
    },
    writeHumanCaption: (fileName, kind, text) => baseWrite(fileName, (base) => base.writeHumanCaption(fileName, kind, text)),
    setReview: (fileName, kind, review) => baseWrite(fileName, (base) => base.setReview(fileName, kind, review)),
    setError: (fileName, error) => baseWrite(fileName, (base) => base.setError(fileName, error)),
    // Scores go to the base's texts, and only where the base text is the one scored: a caption with an
    // unsaved edit keeps its base score until the edit is saved, which drops it.
    setScores: (fileName, scoreModel, scores) => baseWrite(fileName, (base) => base.setScores(fileName, scoreModel, scores)),
    save: checkpoint,
  };
}
