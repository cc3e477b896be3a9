// A manifest read record by record without keeping the records: for counts and reports over manifests of
// any size (`recaption stats`), where no index is wanted.
import { promises as fs } from 'node:fs';
import type { ManifestRecord } from '../../shared/record.js';
import { LineSplitter } from './line-splitter.js';
import { ManifestLineParser, type ParsedManifest } from './manifest-codec.js';
import { INDEX_BLOCK_BYTES } from './manifest-index.js';

/** Streams `file` to `onRecord`; returns the unreadable lines and the line format. Throws ENOENT when there is no file. */
export async function streamManifestFile(file: string, onRecord: (record: ManifestRecord) => void): Promise<ParsedManifest> {
  const parser = new ManifestLineParser(onRecord);
  const handle = await fs.open(file, 'r');
  const splitter = new LineSplitter(parser);
  try {
    const block = Buffer.allocUnsafe(INDEX_BLOCK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, block.length, null);
      if (bytesRead === 0) break;
      splitter.add(block.subarray(0, bytesRead));
    }
    splitter.finish();
  } finally {
    await handle.close();
  }
  return { ...parser.finish(), hadBom: splitter.hadBom };
}
