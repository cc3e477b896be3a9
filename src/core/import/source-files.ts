// What an import reads: one .parquet or .tar file, or every one of them in a folder (not recursive), in
// name order. A folder with both kinds is refused: which one the user meant is a guess.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ImportError } from './import-errors.js';

export type ImportFormat = 'parquet' | 'webdataset';

export interface SourceFile {
  abs: string;
  /** The file's name (its folder is the source's). */
  name: string;
  bytes: number;
}

export interface ImportSource {
  format: ImportFormat;
  files: SourceFile[];
}

function formatOf(name: string): ImportFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.tar')) return 'webdataset';
  return null;
}

async function regularFile(abs: string): Promise<SourceFile> {
  const stat = await fs.stat(abs);
  if (!stat.isFile()) throw new ImportError('bad-source', `${abs} is not a regular file`);
  return { abs, name: path.basename(abs), bytes: stat.size };
}

export async function listSource(source: string): Promise<ImportSource> {
  const abs = path.resolve(source);
  const stat = await fs.stat(abs).catch((err: NodeJS.ErrnoException) => {
    throw new ImportError('bad-source', err.code === 'ENOENT' ? `no such file or folder: ${abs}` : `cannot read ${abs}: ${err.message}`);
  });
  if (stat.isFile()) {
    const format = formatOf(abs);
    if (format === null) throw new ImportError('bad-source', `${abs} is neither a .parquet file nor a .tar shard`);
    return { format, files: [await regularFile(abs)] };
  }
  if (!stat.isDirectory()) throw new ImportError('bad-source', `${abs} is neither a file nor a folder`);
  const names = (await fs.readdir(abs)).filter((n) => !n.startsWith('.') && formatOf(n) !== null);
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const formats = new Set(names.map(formatOf));
  if (formats.size === 0) throw new ImportError('bad-source', `${abs} holds no .parquet files and no .tar shards`);
  if (formats.size > 1) throw new ImportError('bad-source', `${abs} holds both .parquet files and .tar shards; import one kind at a time (name one file, or move the others)`);
  const files: SourceFile[] = [];
  for (const name of names) {
    const file = await fs.stat(path.join(abs, name)).catch(() => null);
    // A link to a file is read like the file; a folder named x.tar is not a shard.
    if (file?.isFile()) files.push({ abs: path.join(abs, name), name, bytes: file.size });
  }
  if (files.length === 0) throw new ImportError('bad-source', `${abs} holds no readable .parquet files or .tar shards`);
  return { format: [...formats][0]!, files };
}
