// Starts one of the project's worker threads: its bundle beside the caller's (dist/<name>.js, for the
// extension and the CLI), or its TypeScript source through tsx when the caller itself runs from source
// (tests, the bench).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * `callerFile` and `callerDir` are the caller's __filename and __dirname; `name` is the entry's file name
 * without extension, in the caller's folder when run from source.
 */
export function startBundledWorker(callerFile: string, callerDir: string, name: string, options: WorkerOptions = {}): Worker {
  if (callerFile.endsWith('.ts')) {
    const tsx = createRequire(callerFile).resolve('tsx/cjs');
    const code = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(path.join(callerDir, `${name}.ts`))});`;
    return new Worker(code, { ...options, eval: true });
  }
  return new Worker(path.join(callerDir, `${name}.js`), options);
}
