// Compiles the bench's child-process entries (and the src/ they import) to plain JavaScript
// under bench/results/compiled/, so the measured processes run under plain `node` as
// `npm start` runs dist/, without tsx's loader in their memory or on their event loop.
// Type-checking is `npm run typecheck`'s job; this only emits (tsc --noCheck, a few seconds).

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const OUT = fileURLToPath(new URL('./results/compiled/', import.meta.url));
const ENTRIES = ['bench/app-under-test.ts', 'bench/ack-path-app.ts', 'bench/digest-reader.ts', 'bench/request-sender.ts'];
let compiled: Promise<void> | null = null;

/** Emits every entry once per bench run; resolves when the JavaScript is on disk. */
export function compileBenchEntries(): Promise<void> {
  compiled ??= new Promise<void>((resolve, reject) => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    // prettier-ignore
    const args = [tsc, ...ENTRIES, '--outDir', OUT, '--rootDir', REPO, '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--noCheck', '--skipLibCheck', '--resolveJsonModule', '--esModuleInterop', '--verbatimModuleSyntax',
      '--types', 'node'];
    const result = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8' });
    if (result.status === 0) resolve();
    else reject(new Error(`compiling the bench entries failed:\n${result.stdout}${result.stderr}`));
  });
  return compiled;
}

/** Where the compiled JavaScript of a bench entry (`./digest-reader.ts`) is. */
export function compiledEntry(script: string): string {
  return `${OUT}bench/${script.replace(/^\.\//, '').replace(/\.ts$/, '.js')}`;
}
