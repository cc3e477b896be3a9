// npm run package [-- --target linux-x64 ...]: one .vsix per platform with @vscode/vsce.
//
// Why a staging folder: vsce treats every "!pattern" in .vscodeignore as a re-include that beats any
// exclude, so "!node_modules/**" ships all of node_modules (onnxruntime-web, lit, every platform's ONNX
// Runtime: ~480 MB). Instead this copies exactly what dist/extension.js require()s at run time (and their
// installed dependencies) into dist-vsix/stage-<target>/, drops the other platforms' native binaries, and
// packages that with --no-dependencies.
//
// Native modules differ per platform (onnxruntime-node ships all platforms' binaries; sharp's come from
// @img/sharp-<platform> packages npm installs for this machine only). A target whose sharp binaries are not
// installed here is refused: package it on that platform (or after `npm i --os=<os> --cpu=<cpu>`).
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = process.cwd();
const TARGETS = {
  'linux-x64': { ort: 'linux/x64', img: ['sharp-linux-x64', 'sharp-libvips-linux-x64'] },
  'linux-arm64': { ort: 'linux/arm64', img: ['sharp-linux-arm64', 'sharp-libvips-linux-arm64'] },
  'darwin-arm64': { ort: 'darwin/arm64', img: ['sharp-darwin-arm64', 'sharp-libvips-darwin-arm64'] },
  'win32-x64': { ort: 'win32/x64', img: ['sharp-win32-x64'] },
  'win32-arm64': { ort: 'win32/arm64', img: ['sharp-win32-arm64'] },
};
/** Dependencies a runtime package declares but that its Node build never loads. */
const NOT_NEEDED = new Set(['onnxruntime-web']);

const args = process.argv.slice(2);
const targets = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--target') targets.push(args[++i]);
if (targets.length === 0) targets.push(`${process.platform}-${process.arch}`);

function run(cmd, argv, cwd = ROOT) {
  const r = spawnSync(cmd, argv, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
}

/** The bundles the extension runs: the host's, its index, pattern, import, habit-texts, export-texts and engine-env workers, and the engine process (ONNX Runtime). */
const BUNDLES = ['extension.js', 'index-worker.js', 'pattern-worker.js', 'engine.js', 'import-worker.js', 'habit-texts-worker.js', 'export-texts-worker.js', 'engine-env-worker.js', 'parquet-worker.js', 'webview.js'];

/** The bare package names the node bundles require at run time. */
function runtimeRequires() {
  const code = BUNDLES.filter((f) => f !== 'webview.js').map((f) => readFileSync(path.join(ROOT, 'dist', f), 'utf8')).join('\n');
  const names = new Set();
  for (const m of code.matchAll(/require\("([^".][^"]*)"\)/g)) {
    const spec = m[1];
    if (spec === 'vscode' || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return [...names];
}

/** Installed packages reachable from `roots` through dependencies and installed optional dependencies. */
function closure(roots) {
  const seen = new Set();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop();
    if (seen.has(name) || NOT_NEEDED.has(name)) continue;
    const dir = path.join(ROOT, 'node_modules', name);
    if (!existsSync(path.join(dir, 'package.json'))) continue; // optional, not installed for this platform
    seen.add(name);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    stack.push(...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}));
  }
  return [...seen].sort();
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
run('npm', ['run', 'build', '--', '--production']);
mkdirSync('dist-vsix', { recursive: true });
const roots = runtimeRequires();
const packages = closure(roots);
const versionOf = (name) => JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

for (const target of targets) {
  const spec = TARGETS[target];
  if (!spec) throw new Error(`unknown target ${target} (known: ${Object.keys(TARGETS).join(', ')})`);
  const missing = spec.img.filter((p) => !existsSync(path.join('node_modules/@img', p)));
  if (missing.length > 0) {
    console.error(`skipping ${target}: node_modules/@img/${missing.join(', @img/')} not installed on this machine`);
    process.exitCode = 1;
    continue;
  }
  const started = Date.now();
  const stage = path.join(ROOT, 'dist-vsix', `stage-${target}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(path.join(stage, 'dist'), { recursive: true });
  for (const f of BUNDLES) cpSync(path.join(ROOT, 'dist', f), path.join(stage, 'dist', f));
  for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md']) if (existsSync(f)) cpSync(f, path.join(stage, f));
  if (existsSync('media')) cpSync('media', path.join(stage, 'media'), { recursive: true });
  // The staged manifest depends on exactly what runs, so vsce's `npm list --production` sees a complete tree.
  const { scripts: _scripts, devDependencies: _dev, ...manifest } = pkg;
  manifest.dependencies = Object.fromEntries(roots.map((n) => [n, versionOf(n)]));
  writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2));

  const otherImg = Object.values(TARGETS).flatMap((t) => t.img).filter((p) => !spec.img.includes(p));
  for (const name of packages) {
    if (name.startsWith('@img/') && otherImg.includes(name.slice(5))) continue;
    cpSync(path.join(ROOT, 'node_modules', name), path.join(stage, 'node_modules', name), { recursive: true, dereference: true });
  }
  // Staged copies only: drop declared dependencies that the Node build never loads.
  for (const name of packages) {
    const file = path.join(stage, 'node_modules', name, 'package.json');
    if (!existsSync(file)) continue;
    const p = JSON.parse(readFileSync(file, 'utf8'));
    if (p.dependencies && Object.keys(p.dependencies).some((d) => NOT_NEEDED.has(d))) {
      for (const d of NOT_NEEDED) delete p.dependencies[d];
      writeFileSync(file, JSON.stringify(p, null, 2));
    }
  }
  // Other platforms' ONNX Runtime binaries.
  const ortBin = path.join(stage, 'node_modules/onnxruntime-node/bin/napi-v6');
  for (const t of Object.values(TARGETS)) if (t.ort !== spec.ort) rmSync(path.join(ortBin, t.ort), { recursive: true, force: true });
  writeFileSync(
    path.join(stage, '.vscodeignore'),
    ['**/*.map', '**/*.ts', '!**/*.d.ts', '**/*.md', '!README.md', '!CHANGELOG.md', 'node_modules/**/test/**', 'node_modules/**/docs/**', 'node_modules/.bin/**', 'node_modules/**/src/**/*.cc'].join('\n'),
  );
  const out = path.join(ROOT, 'dist-vsix', `${pkg.name}-${pkg.version}-${target}.vsix`);
  run('npx', ['--prefix', ROOT, 'vsce', 'package', '--target', target, '--out', out, '--allow-missing-repository', '--skip-license'], stage);
  rmSync(stage, { recursive: true, force: true });
  console.log(`${path.relative(ROOT, out)}: ${(statSync(out).size / 1e6).toFixed(1)} MB, ${packages.length} runtime packages, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
