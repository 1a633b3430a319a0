// The notifications service on the real stack (Kafka, registry, Redis) with a real SMTP server: a replayed history
// of five customers on two partitions gives exactly the notices the core gives driven directly (ids and contents),
// and exactly one e-mail per addressed notice, with its Message-ID, headers, subject and body; a mailbox that answers
// 451 twice gets its message on the third attempt, one that answers 550 dead-letters it (NoticeDeliveryFailed,
// counted), a notice older than SMTP_MAX_NOTICE_AGE_DAYS is not mailed, and a second delivery group reading the whole topic again sends nothing (the delivery log).
// The promises to pay of the history are judged as the core judges them, on o2c.promise-outcomes.v1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../../shared/contracts/events.generated.ts';
import { createLogger } from '../../../shared/logger.ts';
import { getStack } from '../../../test/stack.ts';
import { waitUntil } from '../../../test/kafka.ts';
import { noticeEvent, promiseOutcomeEvent, type NoticeEvent } from '../src/adapters/emit.ts';
import { loadNotificationsConfig } from '../src/config.ts';
import { defaultPolicy, NotificationReplay } from '../src/domain/index.ts';
import { NotificationsService } from '../src/service.ts';
import { metricValue, openSandbox, produceEvents, readNotifications, readPromiseOutcomes, sandboxRecords, waitAllConsumed, type Sandbox } from './real-stack.ts';
import { d } from './fixtures.ts';
import { BOUNCE, FLAKY, MAX_AGE_DAYS, SCENARIO_NOW, scenario } from './scenario.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

const PARTITIONS = 2;
const DOMAIN = 'notices.test.invalid';
const events = scenario();
const replay = new NotificationReplay(defaultPolicy);
const expected = replay.pushAll(events).map(noticeEvent);
const expectedOutcomes = replay.outcomes.map(promiseOutcomeEvent);

let box: Sandbox;
let smtp: TestSmtpServer;
let service: NotificationsService;

const envOf = (groupId: string) => ({
  ...box.env,
  KAFKA_GROUP_ID: groupId,
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: String(smtp.port),
  SMTP_FROM: 'Credit control <credit@o2c.test.invalid>',
  SMTP_MESSAGE_ID_DOMAIN: DOMAIN,
  SMTP_RETRY_INITIAL_MS: '20',
  SMTP_RETRY_MAX_MS: '100',
  SMTP_MAX_NOTICE_AGE_DAYS: String(MAX_AGE_DAYS),
});
const stale = (e: NoticeEvent) => e.occurredAt < SCENARIO_NOW - MAX_AGE_DAYS * 86_400_000;
const start = async (groupId: string) => {
  const s = new NotificationsService({
    config: loadNotificationsConfig(envOf(groupId)),
    logger: createLogger('notifications-test', { level: 'silent' }),
    now: () => SCENARIO_NOW,
    onFatal: (e) => {
      throw e;
    },
  });
  await s.start();
  return s;
};
const metrics = async (s: NotificationsService) => (await fetch(`http://127.0.0.1:${s.httpPort}/metrics`)).text();
const delivered = (text: string) =>
  ['sent', 'resent', 'dead', 'unaddressed', 'stale', 'duplicate'].reduce((n, outcome) => n + (metricValue(text, 'o2c_notifications_deliveries_total', { outcome }) ?? 0), 0);

beforeAll(async () => {
  box = await openSandbox(await getStack(), 'notifications-int', PARTITIONS);
  smtp = await startSmtpServer();
  smtp.refuse(FLAKY, 451, 2);
  smtp.refuse(BOUNCE, 550);
  await produceEvents(box, sandboxRecords(box, events, PARTITIONS));
  service = await start(box.groupId);
  await waitAllConsumed(box);
  // Every notice published has been through the delivery: sent, dead-lettered or unaddressed.
  await waitUntil(async () => delivered(await metrics(service)) >= expected.length, 'the delivery to finish every notice', 120_000);
}, 300_000);

afterAll(async () => {
  await service?.stop();
  await smtp?.close();
  await box?.close();
});

describe('the notifications service through Kafka, Redis and SMTP', () => {
  it('publishes exactly the notices of the core driven directly, ids and contents, per customer', async () => {
    const published = (await readNotifications(box)).filter((e): e is NoticeEvent => e.eventType === 'CustomerNoticeIssued');
    const byCustomer = (xs: readonly NoticeEvent[]) => {
      const m: Record<string, NoticeEvent[]> = {};
      for (const x of [...xs].sort((a, b) => a.eventId.localeCompare(b.eventId))) (m[x.customerId] ??= []).push(x);
      return m;
    };
    expect(byCustomer(published)).toEqual(byCustomer(expected));
    // What the history must give, named: 7 for C-EN, the reminder and the broken promise for C-DE (its hold opted out),
    // one each for the others.
    expect(expected.map((e) => `${e.customerId} ${e.payload.noticeType} ${e.payload.invoiceId ?? e.payload.orderId ?? ''}${e.payload.stage ? ` ${e.payload.stage}` : ''}`).sort()).toEqual([
      'C-BOUNCE CREDIT_HOLD O-5',
      'C-DE PAYMENT_REMINDER INV-D',
      'C-DE PROMISE_BROKEN ',
      'C-EN CREDIT_HOLD O-0',
      'C-EN CREDIT_HOLD O-1',
      'C-EN LIMIT_CHANGED ',
      'C-EN OVERDUE_NOTICE INV-B REMINDER_1',
      'C-EN OVERDUE_NOTICE INV-B REMINDER_2',
      'C-EN PAYMENT_REMINDER INV-A',
      'C-EN PAYMENT_REMINDER INV-B',
      'C-FLAKY TERMS_CHANGED ',
      'C-NOADDR CREDIT_HOLD O-3',
    ]);
  });

  it('publishes the promise outcomes of the core driven directly: PTP-EN kept on 28 January, PTP-DE broken on the 28th', async () => {
    const published = await readPromiseOutcomes(box);
    const byId = <T extends { eventId: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.eventId.localeCompare(b.eventId));
    expect(byId(published)).toEqual(byId(expectedOutcomes));
    expect(expectedOutcomes.map((e) => `${e.customerId} ${e.eventType} ${e.payload.promiseId} ${e.payload.asOfDate} ${e.payload.paid}`).sort()).toEqual([
      `C-DE PromiseBroken PTP-DE ${d('2026-01-28')} 0`,
      `C-EN PromiseKept PTP-EN ${d('2026-01-28')} 50000`,
    ]);
    const text = await metrics(service);
    expect(metricValue(text, 'o2c_notifications_promise_outcomes_total', { outcome: 'kept' })).toBe(1);
    expect(metricValue(text, 'o2c_notifications_promise_outcomes_total', { outcome: 'broken' })).toBe(1);
  });

  it('mails every addressed notice exactly once, with the notice id as Message-ID and the rendered subject and body; a stale one not', () => {
    const mailed = expected.filter((e) => e.payload.recipient !== null && e.payload.recipient !== BOUNCE && !stale(e));
    expect(expected.filter(stale).map((e) => e.payload.orderId)).toEqual(['O-0']);
    expect(smtp.received).toHaveLength(mailed.length);
    const byMessageId = new Map(smtp.received.map((r) => [r.mail.messageId, r]));
    expect(byMessageId.size).toBe(mailed.length);
    for (const n of mailed) {
      const r = byMessageId.get(`<${n.eventId}@${DOMAIN}>`);
      expect(r, `${n.payload.noticeType} for ${n.customerId}`).toBeDefined();
      expect(r!.to).toEqual([n.payload.recipient]);
      expect(r!.mail.from?.value).toEqual([{ name: 'Credit control', address: 'credit@o2c.test.invalid' }]);
      expect(r!.mail.subject).toBe(n.payload.subject);
      expect(r!.mail.text).toBe(n.payload.body);
      expect(r!.mail.date?.getTime()).toBe(n.occurredAt);
      expect(r!.header('x-o2c-notice-id')).toBe(n.eventId);
      expect(r!.header('x-o2c-notice-type')).toBe(n.payload.noticeType);
      expect(r!.header('x-o2c-customer-id')).toBe(n.customerId);
      expect(r!.header('content-language')).toBe(n.payload.language);
    }
    // One of them in full: the German reminder, 7 days before due for a likely late payer, amounts as Germans write them.
    const de = smtp.received.find((r) => r.to[0] === 'ap@c-de.example')!;
    expect(de.mail.subject).toBe('Zahlungserinnerung: Rechnung INV-D ist am 1. Februar 2026 fällig');
    expect(de.mail.text).toContain('dass die Rechnung INV-D über 9.876,54\u00a0€ am 1. Februar 2026 zur Zahlung fällig ist.');
    expect(de.mail.date?.toISOString()).toBe('2026-01-25T00:00:00.000Z');
  });

  it('retries a 451 with backoff and delivers on the third attempt; dead-letters a 550 once, published and counted', async () => {
    expect(smtp.refused.get(FLAKY)).toBe(2);
    expect(smtp.received.filter((r) => r.to[0] === FLAKY)).toHaveLength(1);
    expect(smtp.refused.get(BOUNCE)).toBe(1);
    const bounced = expected.find((e) => e.payload.recipient === BOUNCE)!;
    const failures = (await readNotifications(box)).filter((e): e is Extract<NotificationEvent, { eventType: 'NoticeDeliveryFailed' }> => e.eventType === 'NoticeDeliveryFailed');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.payload).toMatchObject({ noticeId: bounced.eventId, noticeType: 'CREDIT_HOLD', recipient: BOUNCE, attempts: 1, permanent: true });
    expect(failures[0]!.causationId).toBe(bounced.eventId);
    // The outcomes reporting sinks: one NoticeDelivered per mailed notice, one NoticeDeliveryRetrying per 451.
    const outcomes = await readNotifications(box);
    const delivered = outcomes.filter((e): e is Extract<NotificationEvent, { eventType: 'NoticeDelivered' }> => e.eventType === 'NoticeDelivered');
    expect(delivered).toHaveLength(9);
    expect(new Set(delivered.map((e) => e.payload.noticeId))).toEqual(new Set(smtp.received.map((r) => r.header('x-o2c-notice-id'))));
    const flakyNotice = expected.find((e) => e.payload.recipient === FLAKY)!;
    expect(delivered.find((e) => e.payload.noticeId === flakyNotice.eventId)!.payload.attempts).toBe(3);
    const retrying = outcomes.filter((e): e is Extract<NotificationEvent, { eventType: 'NoticeDeliveryRetrying' }> => e.eventType === 'NoticeDeliveryRetrying');
    expect(retrying.map((e) => [e.payload.noticeId, e.payload.attempts, e.payload.failure, /\b451\b/.test(e.payload.lastError)])).toEqual([
      [flakyNotice.eventId, 1, 'TRANSIENT', true],
      [flakyNotice.eventId, 2, 'TRANSIENT', true],
    ]);
    for (const e of [...delivered, ...retrying]) expect(e.causationId).toBe(e.payload.noticeId);
    const text = await metrics(service);
    const m = (name: string, labels: Record<string, string>) => metricValue(text, name, { service: 'notifications', ...labels });
    expect(m('o2c_notifications_deliveries_total', { outcome: 'sent' })).toBe(9);
    expect(m('o2c_notifications_deliveries_total', { outcome: 'dead' })).toBe(1);
    expect(m('o2c_notifications_deliveries_total', { outcome: 'unaddressed' })).toBe(1);
    expect(m('o2c_notifications_deliveries_total', { outcome: 'stale' })).toBe(1);
    expect(m('o2c_notifications_deliveries_total', { outcome: 'resent' })).toBe(0);
    expect(m('o2c_notifications_delivery_attempts_total', { result: 'transient' })).toBe(2);
    expect(m('o2c_notifications_delivery_attempts_total', { result: 'permanent' })).toBe(1);
    expect(m('o2c_notifications_notices_issued_total', { type: 'PAYMENT_REMINDER' })).toBe(3);
    expect(m('o2c_notifications_notices_suppressed_total', { type: 'CREDIT_HOLD' })).toBe(1);
  });

  it('keeps one delivery log entry per notice, in its final state, expiring 30 days after the maximum notice age', async () => {
    const keys = await box.redis.keys(`${box.redisPrefix}:notifications-delivery:*`);
    expect(keys).toHaveLength(expected.length);
    const entryOf = async (noticeId: string) => {
      const key = keys.find((k) => k.endsWith(`:e:${noticeId}`))!;
      expect(key).toMatch(/:\{p[01]\}:e:/);
      const fields = await box.redis.hgetall(key);
      return { state: fields.state, attempts: fields.attempts, ttlMs: await box.redis.pttl(key) };
    };
    const states = await Promise.all(expected.map(async (e) => (await entryOf(e.eventId)).state));
    expect(states.sort()).toEqual([...Array(9).fill('sent'), 'dead', 'stale', 'unaddressed'].sort());
    const flaky = await entryOf(expected.find((e) => e.payload.recipient === FLAKY)!.eventId);
    expect(flaky).toMatchObject({ state: 'sent', attempts: '3' });
    expect(flaky.ttlMs).toBeGreaterThan((MAX_AGE_DAYS + 29) * 86_400_000);
    expect(flaky.ttlMs).toBeLessThanOrEqual((MAX_AGE_DAYS + 30) * 86_400_000);
  });

  it('a second delivery group reading the whole topic again sends nothing: every notice is final in the log', async () => {
    await service.stop();
    // As if the first owner had stopped after recording one notice sent and before its NoticeDelivered was acknowledged.
    const unreported = expected.find((e) => e.payload.recipient === FLAKY)!.eventId;
    const [unreportedKey] = await box.redis.keys(`${box.redisPrefix}:notifications-delivery:*:e:${unreported}`);
    await box.redis.hset(unreportedKey!, 'reported', '0');
    service = await start(`${box.groupId}-again`);
    await waitUntil(async () => (metricValue(await metrics(service), 'o2c_notifications_deliveries_total', { outcome: 'duplicate' }) ?? 0) >= expected.length, 'the second delivery to see every notice', 120_000);
    expect(smtp.received).toHaveLength(9);
    expect(metricValue(await metrics(service), 'o2c_notifications_deliveries_total', { outcome: 'sent' })).toBe(0);
    // Nothing mailed again; only the unreported notice's NoticeDelivered published again, identical (same id, same time).
    const delivered = (await readNotifications(box)).filter((e) => e.eventType === 'NoticeDelivered');
    expect(delivered).toHaveLength(10);
    const twice = delivered.filter((e) => e.causationId === unreported);
    expect(twice).toHaveLength(2);
    expect(twice[1]).toEqual(twice[0]);
    expect(await box.redis.hget(unreportedKey!, 'reported')).toBe('1');
  });
});
