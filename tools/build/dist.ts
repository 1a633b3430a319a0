// The build's two steps around tsc (`npm run build`): `clean` empties dist/ so a deleted source leaves no stale
// module behind; `assets` copies what the code reads at run time next to the modules that read it, at the same
// relative paths as in the repository, since every such file is found with `new URL('…', import.meta.url)`.
// Runs on plain Node (type stripping), so the build needs no tsx.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DIST = join(REPO_ROOT, 'dist');

/** Run-time files by folder (relative to the repository root) and file extension. */
export const ASSETS: readonly { readonly dir: string; readonly ext: string; readonly readBy: string }[] = [
  { dir: 'schemas', ext: '.avsc', readBy: 'shared/contracts/avro.ts' },
  { dir: 'shared/redis/lua', ext: '.lua', readBy: 'shared/redis/partition-store.ts' },
  { dir: 'services/reporting/migrations', ext: '.sql', readBy: 'services/reporting/src/service.ts' },
  { dir: 'services/console/migrations', ext: '.sql', readBy: 'services/console/src/service.ts' },
];

function copyAssets(): number {
  let copied = 0;
  for (const { dir, ext } of ASSETS) {
    for (const file of readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith(ext)) continue;
      const to = join(DIST, dir, file);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(REPO_ROOT, dir, file), to);
      copied++;
    }
  }
  return copied;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const step = process.argv[2];
  if (step === 'clean') {
    rmSync(DIST, { recursive: true, force: true });
  } else if (step === 'assets') {
    process.stdout.write(`copied ${copyAssets()} run-time files to dist/\n`);
  } else {
    process.stderr.write('usage: node tools/build/dist.ts clean|assets\n');
    process.exitCode = 2;
  }
}
