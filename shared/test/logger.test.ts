import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { createLogger, kafkaLogCreator, kafkaLogLevel } from '../logger.ts';

/** A logger writing into an array of parsed JSON lines. */
function capture(level: 'info' | 'debug' | 'warn' | 'silent' = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('test-svc', { level, destination }) };
}

describe('createLogger', () => {
  it('writes one JSON line with the service, a level label and the message', () => {
    const { lines, logger } = capture();
    logger.info({ topic: 'o2c.orders.v1' }, 'started');
    expect(lines).toEqual([expect.objectContaining({ service: 'test-svc', level: 'info', msg: 'started', topic: 'o2c.orders.v1' })]);
  });

  it('masks URL passwords in messages and in nested fields', () => {
    const { lines, logger } = capture();
    logger.info({ config: { DATABASE_URL: 'postgres://app:s3cr3t@db:5432/o2c' } }, 'connecting to redis://:hunter2@cache:6379');
    const text = JSON.stringify(lines);
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('hunter2');
    expect(lines[0]!.msg).toBe('connecting to redis://:***@cache:6379');
    expect(lines[0]!.config).toEqual({ DATABASE_URL: 'postgres://app:***@db:5432/o2c' });
  });

  it('censors fields named like secrets and masks URLs inside error messages', () => {
    const { lines, logger } = capture();
    logger.warn({ password: 'pw1', sasl: { username: 'u', password: 'pw2' }, err: new Error('cannot reach http://u:pw3@h') }, 'x');
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/pw1|pw2|pw3/);
    expect(lines[0]!.password).toBe('[redacted]');
    expect((lines[0]!.err as { message: string }).message).toBe('cannot reach http://u:***@h');
  });

  it('is silent at level silent', () => {
    const { lines, logger } = capture('silent');
    logger.error('nobody hears this');
    expect(lines).toEqual([]);
  });
});

describe('kafkaLogCreator', () => {
  it('routes kafkajs entries to the pino level with their namespace, dropping kafkajs timestamps', () => {
    const { lines, logger } = capture('info');
    const log = kafkaLogCreator(logger)(logLevel.INFO);
    const entry = (level: logLevel, message: string) =>
      log({ namespace: 'Consumer', level, label: '', log: { message, timestamp: 't', groupId: 'g' } as never });
    entry(logLevel.ERROR, 'crash');
    entry(logLevel.WARN, 'slow');
    entry(logLevel.INFO, 'joined');
    entry(logLevel.DEBUG, 'fetch'); // below the pino level: dropped
    expect(lines.map((l) => [l.level, l.msg, l.namespace, l.component, l.groupId, l.timestamp])).toEqual([
      ['error', 'crash', 'Consumer', 'kafkajs', 'g', undefined],
      ['warn', 'slow', 'Consumer', 'kafkajs', 'g', undefined],
      ['info', 'joined', 'Consumer', 'kafkajs', 'g', undefined],
    ]);
  });

  it('asks kafkajs for no more than pino keeps', () => {
    expect(kafkaLogLevel(capture('debug').logger)).toBe(logLevel.DEBUG);
    expect(kafkaLogLevel(capture('warn').logger)).toBe(logLevel.WARN);
    expect(kafkaLogLevel(capture('silent').logger)).toBe(logLevel.NOTHING);
  });
});
