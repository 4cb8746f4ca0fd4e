// `npm start` runs the compiled app (dist/) under plain node; this runs first (`prestart`)
// and compiles only when dist/ is missing or older than the sources, so a fresh clone's
// `npm ci && npm start` works and a second start costs a few milliseconds. It writes
// nothing to stdout (a scripted console session prints only answers). A deployment that
// ships dist/ without src/ skips the check.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const sources = [path.join(root, 'src'), path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json')];

function newest(file) {
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(file)) latest = Math.max(latest, newest(path.join(file, entry)));
  return latest;
}

if (!existsSync(path.join(root, 'src'))) process.exit(0);
const builtAt = existsSync(stamp) && existsSync(path.join(root, 'dist', 'main.js')) ? statSync(stamp).mtimeMs : 0;
if (builtAt > Math.max(...sources.filter(existsSync).map(newest))) process.exit(0);

// Said only to a person at a terminal; a script or supervisor reading stderr sees nothing.
const say = (line) => process.stderr.isTTY && process.stderr.write(line);
say('Dealbot: compiling src/ to dist/ (first start or sources changed)…\n');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
// tsc exits 2 when it found type errors but still wrote the JavaScript: start anyway, as
// `tsx` did, and show the errors; the build is redone next time.
if (result.status !== 0) {
  process.stderr.write(result.stdout + result.stderr);
  if (result.status !== 2 || !existsSync(path.join(root, 'dist', 'main.js'))) process.exit(1);
  process.exit(0);
}
writeFileSync(stamp, `${new Date().toISOString()} ${Date.now() - started} ms\n`);
say(`Dealbot: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
