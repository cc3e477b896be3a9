// Duplicate groups while an export streams the manifest: each record is judged by the groups of the records
// before it and itself (a group's split and --dedup follow its first member, which always comes first). A
// later record can still join two earlier groups into one; when that changed the group of a record already
// judged, the pass's decisions are not those of the whole groups, and the caller exports again with the
// groups known in full. That takes a record that duplicates two earlier, different ones: rare.
import type { ManifestRecord } from '../../shared/record.js';
import { DuplicateStream, type DuplicateGroup } from '../dataset/duplicates.js';
import type { GroupLookup } from './plan.js';

export class StreamedGroups implements GroupLookup {
  private readonly stream: DuplicateStream;
  /** Per row: the first member of its group when it was judged (itself when alone or first). */
  private judgedRoot = new Int32Array(1024);
  /** Per first member: --dedup sent an image of its group. */
  private sent = new Uint8Array(1024);
  private row = -1;
  /** The name of the record added last. */
  private name: string | null = null;

  constructor(distance: number) {
    this.stream = new DuplicateStream(distance);
  }

  /** The next record in manifest order (every record, exported or not: groups span the whole dataset). */
  add(record: ManifestRecord): void {
    // An image that is not there takes part in no group.
    const row = this.stream.add({ fileName: record.file_name, sha256: record.sha256, phash: record.phash }, !record.missing);
    if (row >= this.judgedRoot.length) {
      const judged = new Int32Array(this.judgedRoot.length * 2);
      judged.set(this.judgedRoot);
      this.judgedRoot = judged;
      const sent = new Uint8Array(this.sent.length * 2);
      sent.set(this.sent);
      this.sent = sent;
    }
    this.judgedRoot[row] = this.stream.rootOf(row);
    this.row = row;
    this.name = record.file_name;
  }

  /** The root the record just added was judged by; `fileName` must be that record's. */
  private current(fileName: string): number {
    if (fileName !== this.name) throw new Error(`"${fileName}" was not the last record added to the groups`);
    return this.judgedRoot[this.row]!;
  }

  keyOf(fileName: string): string | undefined {
    const root = this.current(fileName);
    // A first member's key is its own name, which is what a record outside any group is split by too.
    return root === this.row ? undefined : this.stream.nameOf(root);
  }

  claim(fileName: string): boolean {
    const root = this.current(fileName);
    if (this.sent[root]) return false;
    this.sent[root] = 1;
    return true;
  }

  /** Whether every record's group is still the one it was judged by: then the pass decided as whole groups would. */
  judgedAsWhole(): boolean {
    for (let row = 0; row < this.stream.size; row++) if (this.stream.rootOf(row) !== this.judgedRoot[row]) return false;
    return true;
  }

  /** The groups of two or more, in manifest order of their first members. */
  groups(): DuplicateGroup[] {
    return this.stream.groups();
  }
}
