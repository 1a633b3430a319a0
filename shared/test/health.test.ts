import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { ConsumerHealth, startHealthServer, type HealthServer } from '../health.ts';
import { createRegistry, createRunnerMetrics } from '../metrics.ts';

describe('ConsumerHealth', () => {
  it('follows the consumer through join, rebalance, restartable crash, rejoin and stop', () => {
    const h = new ConsumerHealth('consumer');
    expect(h.status()).toEqual({ healthy: false, ready: false, reason: 'starting' });
    h.joined();
    expect(h.status()).toEqual({ healthy: true, ready: true });
    h.rebalancing();
    expect(h.status()).toEqual({ healthy: true, ready: false, reason: 'rebalancing' });
    h.crashed(new Error('broker gone'), true);
    expect(h.status()).toEqual({ healthy: false, ready: false, reason: 'restarting' });
    h.joined();
    expect(h.status().healthy).toBe(true);
    h.stopped();
    expect(h.status()).toEqual({ healthy: false, ready: false, reason: 'stopped' });
  });

  it('stays crashed after a crash kafkajs does not restart from', () => {
    const h = new ConsumerHealth('consumer');
    h.joined();
    h.crashed(new Error('not retriable'), false);
    h.stopped();
    expect(h.status()).toEqual({ healthy: false, ready: false, reason: 'crashed' });
  });
});

describe('startHealthServer', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const get = async (path: string, method = 'GET') => {
    const res = await fetch(`http://127.0.0.1:${server!.port}${path}`, { method });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };

  it('serves /healthz and /readyz from the checks, 503 with the reason when one fails', async () => {
    const consumer = new ConsumerHealth('consumer');
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), checks: [consumer] });
    expect(server.port).toBeGreaterThan(0);

    const before = await get('/healthz');
    expect(before.status).toBe(503);
    expect(JSON.parse(before.body)).toEqual({
      status: 'unavailable',
      checks: { consumer: { healthy: false, ready: false, reason: 'starting' } },
    });

    consumer.joined();
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);

    consumer.rebalancing();
    expect((await get('/healthz')).status).toBe(200);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body).checks.consumer.reason).toBe('rebalancing');
  });

  it('serves the registry in the Prometheus text format, runner metrics included', async () => {
    const registry = createRegistry('exposure');
    const metrics = createRunnerMetrics(registry, 'exposure');
    metrics.dlqRecords.inc({ topic: 'o2c.orders.v1', error_class: 'CorruptAvro' });
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, checks: [] });
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain/);
    expect(res.body).toContain('o2c_dlq_records_total{topic="o2c.orders.v1",error_class="CorruptAvro",service="exposure"} 1');
    expect(res.body).toContain('process_cpu_seconds_total');
  });

  it('says why in one word, never the text of the error behind it', async () => {
    const consumer = new ConsumerHealth('consumer');
    server = await startHealthServer({ port: 0, registry: new Registry(), checks: [consumer] });
    consumer.crashed(new Error('connect ECONNREFUSED 10.1.2.3:9092 as user exposure'), true);
    const restarting = await get('/healthz');
    expect(restarting.status).toBe(503);
    expect(JSON.parse(restarting.body)).toEqual({ status: 'unavailable', checks: { consumer: { healthy: false, ready: false, reason: 'restarting' } } });
    consumer.crashed(new Error('Invalid username or password'), false);
    expect(JSON.parse((await get('/healthz')).body).checks.consumer.reason).toBe('crashed');
  });

  it('answers 500 without the error when a probe fails', async () => {
    const failing = { name: 'db', status: () => { throw new Error('password authentication failed for user "o2c_writer"'); } };
    server = await startHealthServer({ port: 0, registry: new Registry(), checks: [failing] });
    const res = await get('/healthz');
    expect(res).toMatchObject({ status: 500, body: 'internal error\n' });
  });

  it('binds loopback unless told otherwise', async () => {
    server = await startHealthServer({ port: 0, registry: new Registry(), checks: [] });
    expect(server.address).toBe('127.0.0.1');
    await server.close();
    server = await startHealthServer({ port: 0, host: '::1', registry: new Registry(), checks: [] });
    expect(server.address).toBe('::1');
  });

  it('answers 404 to unknown paths and 405 to writes', async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: new Registry(), checks: [] });
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/healthz', 'POST')).status).toBe(405);
  });
});
