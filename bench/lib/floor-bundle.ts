// Bundles data-floors.ts into one plain JavaScript file in bench/out, so a floor starts as `node file.js`,
// as the CLI does (dist/cli.js), not through the TypeScript loader. sharp stays external, as in the CLI.
import * as path from 'node:path';
import { build } from 'esbuild';

export async function bundleFloors(outRoot: string): Promise<string> {
  const outfile = path.join(outRoot, 'data-floors.js');
  await build({ entryPoints: [path.join(__dirname, 'data-floors.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['sharp'], logLevel: 'warning' });
  return outfile;
}
