// recaption merge: fold the shard manifests of a sharded run into recaption.jsonl.
import { mergeShards } from '../../core/dataset/merge.js';
import { MANIFEST_NAME } from '../../shared/record.js';
import { parseFolderArgs, type CliCommand } from '../command.js';
import { writeErr } from '../terminal-text.js';

const help = `usage: recaption merge <folder> [--keep-shards] [--dry-run] [--json]

Folds the shard manifests (recaption.shard-IIII-of-NNNN.jsonl, written by
"recaption caption --shard i/N") into ${MANIFEST_NAME}. Run it once every shard job has finished.
A caption a person wrote or reviewed always wins over a machine one; two different human versions of
one caption are a conflict: ${MANIFEST_NAME} keeps its version, the conflict is listed, and the exit
code is 1. Images only in a shard are added.

After the merge, shard files that merged cleanly are removed; a shard with a conflict or an unreadable
line is kept.

  --keep-shards   keep every shard file
  --dry-run       report what would change; write and remove nothing
  --json          print the full report as JSON on stdout`;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 100 ? `${flat.slice(0, 100)}…` : flat);
}

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: 'fold the shard manifests of a sharded run into recaption.jsonl',
  help,
  async run(args) {
    const { values, folder } = await parseFolderArgs(
      args,
      { 'keep-shards': { type: 'boolean' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
      help,
    );
    const report = await mergeShards(folder, { keepShards: values['keep-shards'] ?? false, dryRun: values['dry-run'] ?? false });
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const w of report.warnings) writeErr(`warning: ${w}\n`);
    for (const c of report.conflicts) {
      writeErr(
        `conflict: ${c.fileName} ${c.kind.toUpperCase()}: kept ${quote(c.kept.text)}${c.kept.review ? ` (${c.kept.review})` : ''} from ${MANIFEST_NAME}; ` +
          `${c.shardFile} has ${quote(c.other.text)}${c.other.review ? ` (${c.other.review})` : ''}\n`,
      );
    }
    if (report.shards.length === 0) {
      writeErr(`no shard manifests in ${folder}\n`);
      return 0;
    }
    const removed = report.shards.filter((s) => s.removed).length;
    writeErr(
      `${values['dry-run'] ? 'dry run: ' : ''}${report.shards.length} shard manifests: ${report.added} images added, ${report.updated} updated, ` +
        `${report.conflicts.length} conflicts; ${values['dry-run'] ? 'nothing written' : `${report.saved ? MANIFEST_NAME + ' saved' : 'nothing to change'}, ${removed} shard files removed`}\n`,
    );
    return report.conflicts.length > 0 ? 1 : 0;
  },
};
