import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { TransientError } from '../errors.ts';
import { runMain, type ProcessLike } from '../lifecycle.ts';
import { createLogger } from '../logger.ts';
import { isTransient, reach, reasonOf, UnreachableError } from '../startup.ts';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' });
const step = { variable: 'REDIS_URL', address: 'redis://:s3cr3t-pw@127.0.0.1:6390', timeoutMs: 600, initialMs: 20, maxMs: 50 };

describe('reach', () => {
  it('retries refused connections until the call succeeds', async () => {
    let calls = 0;
    const value = await reach(step, async () => {
      if (++calls < 3) throw refused();
      return 'up';
    });
    expect([value, calls]).toEqual(['up', 3]);
  });

  it('throws what no retry fixes at once', async () => {
    let calls = 0;
    await expect(reach(step, async () => {
      calls++;
      throw new Error('WRONGPASS invalid username-password pair');
    })).rejects.toThrow('WRONGPASS');
    expect(calls).toBe(1);
  });

  it('past the deadline names the variable and the address, password masked, and the last reason', async () => {
    const attempt = reach(step, async () => { throw refused(); });
    await expect(attempt).rejects.toBeInstanceOf(UnreachableError);
    await expect(attempt).rejects.toThrow(/^REDIS_URL redis:\/\/:\*\*\*@127\.0\.0\.1:6390 unreachable after 0\.6 s: ECONNREFUSED$/);
  });

  it('abandons an attempt that never answers once the deadline passes', async () => {
    const started = Date.now();
    await expect(reach({ ...step, timeoutMs: 300 }, () => new Promise<never>(() => undefined)))
      .rejects.toThrow(/unreachable after 0\.3 s: no answer$/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('finds the network code inside wrapping errors (a fetch cause, an AggregateError for ::1 and 127.0.0.1)', () => {
    const wrapped = new TypeError('fetch failed', { cause: new AggregateError([refused(), refused()]) });
    expect(isTransient(wrapped)).toBe(true);
    expect(reasonOf(wrapped)).toBe('ECONNREFUSED');
    expect(isTransient(new TransientError('registry 503'))).toBe(true);
    expect(isTransient(new Error('a bug'))).toBe(false);
  });
});

describe('runMain with an unreachable dependency', () => {
  it('exits 1 with one fatal line: the message, the variable and the address', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger('svc', { level: 'info', destination });
    let exit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    const proc = Object.assign(new EventEmitter(), { exit: (code: number) => exit(code) }) as unknown as ProcessLike;
    await runMain('svc', () => ({
      start: () => reach({ ...step, timeoutMs: 100 }, async () => { throw refused(); }),
      stop: async () => undefined,
    }), { process: proc, logger });
    expect(await exited).toBe(1);
    const fatal = lines.filter((l) => l.level === 'fatal');
    expect(fatal).toEqual([
      expect.objectContaining({
        msg: 'REDIS_URL redis://:***@127.0.0.1:6390 unreachable after 0.1 s: ECONNREFUSED',
        variable: 'REDIS_URL',
        address: 'redis://:***@127.0.0.1:6390',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-pw');
  });
});
