import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { loadConfig, str } from '../config.ts';
import { createLogger } from '../logger.ts';
import { runMain, type ProcessLike, type Service } from '../lifecycle.ts';

/** A fake process: signals are emitted by the test, exit codes are recorded and awaitable. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const codes: number[] = [];
  let onExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (onExit = resolve));
  const proc = Object.assign(emitter, {
    exit(code: number) {
      codes.push(code);
      onExit(code);
    },
  }) as unknown as ProcessLike & EventEmitter;
  return { proc, codes, exited };
}

function capture() {
  const lines: Array<{ level: string; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('svc', { level: 'info', destination }) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A service whose stop() resolves when the test says so. */
function controllableService() {
  const calls: string[] = [];
  let finishStop: () => void = () => undefined;
  const service: Service = {
    start: async () => void calls.push('start'),
    stop: () => {
      calls.push('stop');
      return new Promise<void>((resolve) => (finishStop = resolve));
    },
  };
  return { service, calls, finishStop: () => finishStop() };
}

describe('runMain', () => {
  it('exits 2 with one log line naming every bad variable when the config is invalid', async () => {
    const { proc, exited } = fakeProcess();
    const { lines, logger } = capture();
    await runMain('svc', () => {
      loadConfig({ KAFKA_BROKERS: str(), REDIS_URL: str() }, {});
      throw new Error('unreachable');
    }, { process: proc, logger });
    expect(await exited).toBe(2);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'fatal', msg: 'invalid configuration: KAFKA_BROKERS is required; REDIS_URL is required' }),
    ]);
  });

  it('on SIGTERM stops the service once and exits 0 when the stop completes', async () => {
    const { proc, codes, exited } = fakeProcess();
    const { service, calls, finishStop } = controllableService();
    await runMain('svc', () => service, { process: proc, logger: capture().logger });
    expect(calls).toEqual(['start']);
    proc.emit('SIGTERM', 'SIGTERM');
    await tick();
    expect(calls).toEqual(['start', 'stop']);
    expect(codes).toEqual([]); // still finishing its batch
    finishStop();
    expect(await exited).toBe(0);
  });

  it('exits 1 at once on a second signal while stopping', async () => {
    const { proc, codes } = fakeProcess();
    const { service, calls } = controllableService();
    await runMain('svc', () => service, { process: proc, logger: capture().logger });
    proc.emit('SIGTERM', 'SIGTERM');
    await tick();
    proc.emit('SIGINT', 'SIGINT');
    expect(calls).toEqual(['start', 'stop']);
    expect(codes).toEqual([1]);
  });

  it('exits 1 when stop outlasts the grace period', async () => {
    const { proc, exited } = fakeProcess();
    const { service } = controllableService(); // its stop never finishes
    await runMain('svc', () => service, { process: proc, logger: capture().logger, graceMs: 5 });
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await exited).toBe(1);
  });

  it('exits 1 and logs the error when start fails, or when an error goes unhandled', async () => {
    const failing = fakeProcess();
    const { lines, logger } = capture();
    await runMain('svc', () => ({ start: async () => { throw new Error('kafka unreachable'); }, stop: async () => undefined }), {
      process: failing.proc,
      logger,
    });
    expect(await failing.exited).toBe(1);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'fatal', msg: 'start failed', err: expect.objectContaining({ message: 'kafka unreachable' }) }));

    const unhandled = fakeProcess();
    await runMain('svc', () => controllableService().service, { process: unhandled.proc, logger });
    unhandled.proc.emit('unhandledRejection', new Error('lost promise'));
    expect(await unhandled.exited).toBe(1);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'unhandled promise rejection' }));
  });

  it('stops the service and exits 1 when the service reports a fatal failure', async () => {
    const { proc, exited } = fakeProcess();
    const stopped: string[] = [];
    await runMain('svc', (ctx) => ({
      start: async () => {
        setImmediate(() => ctx.fail(new Error('consumer crashed for good')));
      },
      stop: async () => void stopped.push('stop'),
    }), { process: proc, logger: capture().logger });
    expect(await exited).toBe(1);
    expect(stopped).toEqual(['stop']);
  });

  it('is not fooled by a ConfigError-like message from elsewhere: only ConfigError exits 2', async () => {
    const { proc, exited } = fakeProcess();
    await runMain('svc', () => { throw new Error('invalid configuration: nope'); }, { process: proc, logger: capture().logger });
    expect(await exited).toBe(1);
  });
});
