// The notifications service killed with SIGKILL during delivery, on the real stack with a real SMTP server: main.ts
// runs as a child process (as deployed); twice, the SMTP server holds a message's DATA unanswered (it is in the
// mailbox, the service does not know) and the test kills the service right then, and restarts it. The documented
// window: exactly those two messages are mailed twice, identical (same Message-ID, headers and body); every other
// addressed notice exactly once; the notices published are the core's.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStack } from '../../../test/stack.ts';
import { waitUntil } from '../../../test/kafka.ts';
import { freePort } from '../../../test/service-spawn.ts';
import { noticeEvent, type NoticeEvent } from '../src/adapters/emit.ts';
import { defaultPolicy, NotificationReplay } from '../src/domain/index.ts';
import { metricValue, openSandbox, produceEvents, readNotifications, sandboxRecords, topicSize, waitAllConsumed, type Sandbox } from './real-stack.ts';
import { BOUNCE, FLAKY, scenario } from './scenario.ts';
import { startSmtpServer, type Received, type TestSmtpServer } from './smtp-server.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PARTITIONS = 2;
const DOMAIN = 'notices.crash.invalid';
const events = scenario();
const expected = new NotificationReplay(defaultPolicy).pushAll(events).map(noticeEvent);
const mailed = expected.filter((e) => e.payload.recipient !== null && e.payload.recipient !== BOUNCE);

let box: Sandbox;
let smtp: TestSmtpServer;
let httpPort: number;
let child: ChildProcess | undefined;

function startService(): { process: ChildProcess; exited: Promise<number | string> } {
  const p = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...box.env,
      VITEST: '',
      HTTP_PORT: String(httpPort),
      // A killed member's partitions move after its session: short, so a restart does not wait 30 s for it.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_MESSAGE_ID_DOMAIN: DOMAIN,
      SMTP_RETRY_INITIAL_MS: '20',
      SMTP_RETRY_MAX_MS: '100',
      SMTP_MAX_NOTICE_AGE_DAYS: '100000', // the wall clock is the real one: the history's notices are all mailed
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child = p;
  return { process: p, exited: new Promise((resolve) => p.once('exit', (code, signal) => resolve(code ?? signal ?? -1))) };
}

/** Every committed partition of the delivery group is at the end of the notifications topic. */
async function deliveryCaughtUp(): Promise<boolean> {
  const admin = box.kafka.admin();
  await admin.connect();
  try {
    const topic = box.topics.NOTIFICATIONS.name;
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
    const [committed] = await admin.fetchOffsets({ groupId: `${box.groupId}-delivery`, topics: [topic] });
    return committed!.partitions.every((p) => ends.get(p.partition) === '0' || p.offset === ends.get(p.partition));
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  box = await openSandbox(await getStack(), 'notifications-crash', PARTITIONS);
  smtp = await startSmtpServer();
  smtp.refuse(FLAKY, 451, 2);
  smtp.refuse(BOUNCE, 550);
  httpPort = await freePort();
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await smtp?.close();
  await box?.close();
});

describe('the notifications service killed with SIGKILL during delivery', () => {
  it('mails each held message twice, identical, and every other addressed notice exactly once', async () => {
    await produceEvents(box, sandboxRecords(box, events, PARTITIONS));
    const held: Received[] = [];
    let running = startService();
    for (let kill = 0; kill < 2; kill++) {
      // A message not mailed before (not the resend of the one held at the previous kill).
      const before = new Set(smtp.received.map((r) => r.mail.messageId));
      const hold = smtp.holdNext((mail) => !before.has(mail.messageId));
      const exited = running.exited.then((code) => {
        throw new Error(`the service exited (${code}) before a message arrived`);
      });
      exited.catch(() => undefined);
      await Promise.race([hold, exited]);
      held.push(smtp.received.at(-1)!);
      running.process.kill('SIGKILL'); // while the server holds its answer: sent, not recorded
      expect(await running.exited).toBe('SIGKILL');
      (await hold).release();
      running = startService();
    }

    await waitAllConsumed(box, 240_000);
    const backlog = async () => {
      try {
        const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
        return [0, 1].every((p) => (metricValue(text, 'o2c_notifications_outbox_backlog_records', { partition: String(p) }) ?? 0) === 0);
      } catch {
        return false;
      }
    };
    await waitUntil(async () => (await backlog()) && (await topicSize(box.kafka, box.topics.NOTIFICATIONS.name)) > 0 && (await deliveryCaughtUp()) && smtp.received.length >= mailed.length + 2, 'the delivery to finish', 240_000);

    const published = (await readNotifications(box)).filter((e): e is NoticeEvent => e.eventType === 'CustomerNoticeIssued');
    const firstSeen = new Map<string, NoticeEvent>();
    for (const n of published) {
      expect(JSON.stringify(firstSeen.get(n.eventId) ?? n), 'one content per notice id').toBe(JSON.stringify(n));
      firstSeen.set(n.eventId, n);
    }
    expect([...firstSeen.values()].map((n) => JSON.stringify(n)).sort()).toEqual(expected.map((n) => JSON.stringify({ ...n, payload: { ...n.payload } })).sort());

    const heldIds = held.map((r) => r.mail.messageId);
    expect(new Set(heldIds).size).toBe(2);
    const counts = new Map<string, Received[]>();
    for (const r of smtp.received) counts.set(r.mail.messageId!, [...(counts.get(r.mail.messageId!) ?? []), r]);
    expect(counts.size).toBe(mailed.length);
    for (const n of mailed) {
      const id = `<${n.eventId}@${DOMAIN}>`;
      const copies = counts.get(id) ?? [];
      expect(copies.length, `${n.payload.noticeType} for ${n.customerId}`).toBe(heldIds.includes(id) ? 2 : 1);
      for (const c of copies) {
        expect(c.mail.subject).toBe(n.payload.subject);
        expect(c.mail.text).toBe(n.payload.body);
        expect(c.mail.date?.getTime()).toBe(n.occurredAt);
        expect(c.header('x-o2c-notice-id')).toBe(n.eventId);
      }
    }
    expect(smtp.received).toHaveLength(mailed.length + 2);
    console.log(`notifications crash test: ${published.length} notice records published for ${expected.length} notices, ${smtp.received.length} e-mails for ${mailed.length} addressed`);

    running.process.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
