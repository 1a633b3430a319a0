// The command line as a user meets it: the exit code and what goes to stdout and stderr (no Kafka needed).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../src/options.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('npm run simulate', () => {
  it('prints the usage on stdout and exits 0 for --help', () => {
    const r = run('--help');
    expect(r.stdout).toBe(`${USAGE}\n`);
    expect(r.status).toBe(0);
  }, 60_000);

  it('exits 2 with the message and the usage on stderr for a bad flag', () => {
    const r = run('--rate', 'fast');
    expect(r.stderr).toBe(`error: --rate must be a number >= 0, got "fast"\n${USAGE}\n`);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
  }, 60_000);
});
