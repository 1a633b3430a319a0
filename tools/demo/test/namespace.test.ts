import { describe, expect, it } from 'vitest';
import { databaseUrlFor, groupIdOf, namespaceOf, newRunId, serviceEnv, topicsOf } from '../src/namespace.ts';

const endpoints = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgres://o2c:secret@db.example:5433/o2c?sslmode=disable',
};

describe('run namespaces', () => {
  it('makes run ids that sort by creation time and differ by their random part', () => {
    const a = newRunId(1_795_334_660_000, Buffer.from([0, 0, 0, 1]));
    const b = newRunId(1_795_334_660_001, Buffer.from([0, 0, 0, 1]));
    const c = newRunId(1_795_334_660_000, Buffer.from([255, 1, 2, 3]));
    expect(a).toMatch(/^d[0-9a-z]{14}$/);
    expect(a < b).toBe(true);
    expect(a).not.toBe(c);
  });

  it('derives every name of a run from its id', () => {
    const ns = namespaceOf('d0mwrjwezbfe1r6');
    expect(ns).toEqual({
      runId: 'd0mwrjwezbfe1r6',
      topicPrefix: 'demo.d0mwrjwezbfe1r6.',
      redisPrefix: 'o2c-demo-d0mwrjwezbfe1r6',
      database: 'o2c_demo_d0mwrjwezbfe1r6',
    });
    expect(topicsOf(ns).ORDERS.name).toBe('demo.d0mwrjwezbfe1r6.o2c.orders.v1');
    expect(topicsOf(ns).DLQ.name).toBe('demo.d0mwrjwezbfe1r6.o2c.dlq.v1');
    expect(groupIdOf(ns, 'exposure')).toBe('demo.d0mwrjwezbfe1r6.exposure');
  });

  it('refuses anything but a run id, since the names it yields are dropped and deleted later', () => {
    expect(() => namespaceOf('o2c')).toThrow(RangeError);
    expect(() => namespaceOf('d0mwrjwezbfe1r6; DROP DATABASE o2c')).toThrow(RangeError);
  });

  it('points DATABASE_URL at another database, keeping credentials, host and options', () => {
    expect(databaseUrlFor(endpoints.DATABASE_URL, 'o2c_demo_x')).toBe('postgres://o2c:secret@db.example:5433/o2c_demo_x?sslmode=disable');
  });

  it("gives each service the stack, the run's prefixes, its own group, and no live clock", () => {
    const ns = namespaceOf('d0mwrjwezbfe1r6');
    expect(serviceEnv(ns, endpoints, 'reporting')).toEqual({
      KAFKA_BROKERS: '127.0.0.1:9092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://o2c_writer:o2c_writer@db.example:5433/o2c_demo_d0mwrjwezbfe1r6?sslmode=disable',
      MIGRATION_DATABASE_URL: 'postgres://o2c:secret@db.example:5433/o2c_demo_d0mwrjwezbfe1r6?sslmode=disable',
      O2C_DEV_ROLE_PASSWORDS: '1',
      O2C_TOPIC_PREFIX: 'demo.d0mwrjwezbfe1r6.',
      REDIS_KEY_PREFIX: 'o2c-demo-d0mwrjwezbfe1r6',
      KAFKA_GROUP_ID: 'demo.d0mwrjwezbfe1r6.reporting',
      KAFKA_CLIENT_ID: 'demo.d0mwrjwezbfe1r6.reporting',
      LIVE_CLOCK: 'false',
    });
  });
});
