// Where the engine's script is: dist/engine.js beside the bundle that starts it (the extension, the CLI),
// or, when Recaption runs from its TypeScript sources (tests, the bench, `npx tsx src/cli/main.ts`), the
// source entry run through tsx.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface EngineEntry {
  script: string;
  /** Node flags for the engine process (never the caller's own: an inspector port would clash). */
  execArgv: string[];
}

export function engineEntry(): EngineEntry {
  if (__filename.endsWith('.ts')) {
    return { script: path.join(__dirname, 'engine-main.ts'), execArgv: ['--import', pathToFileURL(createRequire(__filename).resolve('tsx')).href] };
  }
  return { script: path.join(__dirname, 'engine.js'), execArgv: [] };
}
