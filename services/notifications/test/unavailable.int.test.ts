// The SMTP server down, on the real stack: the delivery retries with its backoff for as long as the server does not
// answer, never dead-letters the notice for it (it is not the notice's fault), and mails it once the server is up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logger.ts';
import { getStack } from '../../../test/stack.ts';
import { waitUntil } from '../../../test/kafka.ts';
import { freePort } from '../../../test/service-spawn.ts';
import { loadNotificationsConfig } from '../src/config.ts';
import { NotificationsService } from '../src/service.ts';
import { held, profile, resetIds } from './fixtures.ts';
import { metricValue, openSandbox, produceEvents, readNotifications, sandboxRecords, waitAllConsumed, type Sandbox } from './real-stack.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-server.ts';

let box: Sandbox;
let service: NotificationsService;
let smtp: TestSmtpServer | undefined;

beforeAll(async () => {
  box = await openSandbox(await getStack(), 'notifications-down', 1);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await smtp?.close();
  await box?.close();
});

describe('the notifications delivery while the SMTP server is down', () => {
  it('retries until the server answers, then mails the notice once; nothing dead-lettered', async () => {
    resetIds();
    const events = [profile('C1', '2026-01-01'), held('C1', 'O-1', '2026-01-02', 100_00)];
    await produceEvents(box, sandboxRecords(box, events, 1));
    const port = await freePort(); // nobody listens there yet
    service = new NotificationsService({
      config: loadNotificationsConfig({
        ...box.env, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_RETRY_INITIAL_MS: '20', SMTP_RETRY_MAX_MS: '200',
        SMTP_MAX_ATTEMPTS: '2', SMTP_MAX_NOTICE_AGE_DAYS: '100000',
      }),
      logger: createLogger('notifications-test', { level: 'silent' }),
      onFatal: (e) => {
        throw e;
      },
    });
    await service.start();
    await waitAllConsumed(box);
    const metric = async (name: string, labels: Record<string, string>) =>
      metricValue(await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text(), name, labels) ?? 0;
    // More refused connections than SMTP_MAX_ATTEMPTS allows answered refusals: still not dead.
    await waitUntil(async () => (await metric('o2c_notifications_delivery_attempts_total', { result: 'unavailable' })) >= 4, 'attempts on the closed port', 60_000);
    expect(await metric('o2c_notifications_deliveries_total', { outcome: 'dead' })).toBe(0);

    smtp = await startSmtpServer(port);
    await waitUntil(() => smtp!.received.length >= 1, 'the notice mailed once the server is up', 60_000);
    await waitUntil(async () => (await metric('o2c_notifications_deliveries_total', { outcome: 'sent' })) === 1, 'the log to say sent', 30_000);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.header('x-o2c-notice-type')).toBe('CREDIT_HOLD');
    expect(await metric('o2c_notifications_deliveries_total', { outcome: 'dead' })).toBe(0);
    // One NoticeDeliveryRetrying for the whole stretch the server was down (not one per refused connection), then delivered.
    await waitUntil(async () => (await readNotifications(box)).length >= 3, 'the delivery outcomes published', 30_000);
    const published = await readNotifications(box);
    expect(published.map((e) => e.eventType)).toEqual(['CustomerNoticeIssued', 'NoticeDeliveryRetrying', 'NoticeDelivered']);
    expect(published[1]!.payload).toMatchObject({ attempts: 0, failure: 'UNAVAILABLE' });
    expect(published[2]!.payload).toMatchObject({ noticeId: published[0]!.eventId, attempts: 1 });
  });
});
