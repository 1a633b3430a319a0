// A stack that already answers is used as it is, wherever it was started from: up.sh run from another checkout
// (a copy of stack/ with no pid files and no data of its own) must find this stack, start nothing, and write the
// same endpoints, where it used to die on "port 9092 is already in use by another process".
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const STACK = fileURLToPath(new URL('..', import.meta.url));

let other: string;
beforeAll(async () => {
  other = await mkdtemp(join(tmpdir(), 'o2c-other-checkout-'));
  for (const f of ['up.sh', 'lib.sh', 'secure.sh', 'status.sh', 'pom.xml']) await cp(join(STACK, f), join(other, 'stack', f));
});
afterAll(() => rm(other, { recursive: true, force: true }));

describe('stack/up.sh from another checkout', () => {
  it('reuses the stack that answers and starts nothing of its own', async () => {
    const { stdout, stderr } = await run('bash', [join(other, 'stack', 'up.sh')], { timeout: 60_000 });
    expect(stdout).toContain('KAFKA_BROKERS=127.0.0.1:9092');
    expect(`${stdout}${stderr}`).toContain('already up');
    const env = await readFile(join(other, 'stack', '.data', 'stack.env'), 'utf8');
    expect(env).toMatch(/^SCHEMA_REGISTRY_URL=http:\/\/127\.0\.0\.1:8081\/apis\/ccompat\/v7$/m);
    // Nothing started: no pid files, no Kafka or registry data in the other checkout.
    const run_ = await readdir(join(other, 'stack', '.data', 'run')).catch(() => []);
    expect(run_.filter((f) => f.endsWith('.pid'))).toEqual([]);
    expect(await readdir(join(other, 'stack', '.data')).then((names) => names.sort())).toEqual(['run', 'stack.env']);
    // status.sh agrees: every part UP, noted as not started by this checkout.
    const status = await run('bash', [join(other, 'stack', 'status.sh')]);
    expect(status.stdout).toMatch(/kafka\s+UP .*answering, but not started by stack\/up\.sh/);
  });
});
