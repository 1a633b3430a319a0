// Authority and audit on the real stack (issue 13): credit actions go through Kafka to the exposure service, which
// refuses the ones beyond the actor's authority (its CREDIT_POLICY_FILE) with CreditActionRefused and takes the one
// within it; the reporting service puts every action, its outcome and the customer's limit change (from
// o2c.customer-changes.v1, before and after) into reporting.audit_log.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { v5 as uuidv5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditHoldEvent } from '../shared/contracts/events.generated.ts';
import type { EventSerde } from '../shared/contracts/serde.ts';
import type { AnyEvent } from '../shared/contracts/topics.ts';
import { createKafka } from '../shared/kafka/client.ts';
import { createLogger } from '../shared/logger.ts';
import { createPool, type Pool } from '../shared/pg/pool.ts';
import { createTempDatabase, type TempDatabase } from '../shared/pg/testing.ts';
import { reportingDatabaseEnv } from '../services/reporting/test/support.ts';
import type { ExposureService } from '../services/exposure/src/service.ts';
import {
  contractsOf, dropKeys, endOffsets, HistoryProducer, startInProcess, testEnv, waitApplied, type TestEnv,
} from '../services/exposure/test/harness.ts';
import { customer, T0 } from '../services/exposure/test/inputs.ts';
import type { ReportingService } from '../services/reporting/src/service.ts';
import { startSink } from '../services/reporting/test/sink-stack.ts';
import { collect, deleteTopics, produce, waitUntil } from './kafka.ts';
import { getStack, type Stack } from './stack.ts';

const WITHIN_MS = 120_000;
const id = (label: string) => uuidv5(label, '5d0e9c1a-7b3f-4e28-a6d4-1c9f8e2b7a30');

let stack: Stack;
let kafka: Kafka;
let admin: Admin;
let redis: Redis;
let t: TestEnv;
let serde: EventSerde;
let db: TempDatabase;
let pool: Pool;
let policyDir: string;
let exposure: ExposureService | undefined;
let reporting: ReportingService | undefined;

beforeAll(async () => {
  stack = await getStack();
  kafka = createKafka({ KAFKA_BROKERS: stack.kafkaBrokers, KAFKA_CLIENT_ID: 'authority-it' }, createLogger('authority-it'));
  admin = kafka.admin();
  await admin.connect();
  redis = new Redis(stack.redisUrl);
  db = await createTempDatabase(stack.databaseUrl);
  pool = createPool(db.url);
  policyDir = mkdtempSync(join(tmpdir(), 'o2c-authority-'));
});

afterAll(async () => {
  await exposure?.stop();
  await reporting?.stop();
  if (t) {
    await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name)).catch(() => undefined);
    await dropKeys(redis, t);
  }
  await pool?.end();
  await db?.drop();
  await admin.disconnect();
  redis.disconnect();
  rmSync(policyDir, { recursive: true, force: true });
});

interface AuditRow {
  event_type: string;
  action: string;
  actor: string;
  actor_role: string | null;
  outcome: string | null;
  causation_id: string | null;
  refusal: string | null;
  over_limit_minor: string | null;
  authority_limit_minor: string | null;
  shortfall_minor: string | null;
  order_id: string | null;
  previous_credit_limit_minor: string | null;
  credit_limit_minor: string | null;
  reason: string | null;
}

describe('authority and audit, Kafka -> exposure -> reporting -> audit_log', () => {
  it('refuses the actions beyond authority, takes the one within it, and audits each with its outcome', async () => {
    // A controller may release up to 100 over the limit, a manager up to 1000; a viewer may do nothing.
    const policyFile = join(policyDir, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({
      version: 'authority-it',
      authority: {
        CREDIT_CONTROLLER: { release: true, reject: true, maxOverLimit: 100 },
        CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: 1000 },
      },
    }));
    t = testEnv(stack, 'authority', 1, { CREDIT_POLICY_FILE: policyFile });
    serde = await contractsOf(kafka, stack, t);
    const holds = await collect(kafka, t.topics.CREDIT_HOLDS.name);
    exposure = await startInProcess(t);
    reporting = await startSink({
      ...stack.env, ...reportingDatabaseEnv(db.url), O2C_TOPIC_PREFIX: t.env.O2C_TOPIC_PREFIX!, KAFKA_GROUP_ID: `${t.name}-reporting`,
      KAFKA_CLIENT_ID: `${t.name}-reporting`, KAFKA_PARTITIONS: '1', KAFKA_FETCH_MAX_WAIT_MS: '100', HTTP_PORT: '0',
    });

    const a = customer('ACME');
    const profile = a.profile(id('profile'), { creditLimit: 1000, changedBy: 'ann', changeReason: 'annual review' }, T0);
    const terms = { creditLimit: 1000, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30,
      riskClass: 'B', manualHold: false, parentCustomerId: null };
    const change: AnyEvent = {
      eventId: id('change'), eventType: 'CustomerProfileChanged', occurredAt: T0, customerId: 'ACME', source: 'test',
      causationId: profile.eventId,
      payload: { before: { ...terms, creditLimit: 800 }, after: terms, changedBy: 'ann', changeReason: 'annual review' },
    };
    const order = a.placed(id('order'), 'O-1', 1500, 'EUR', T0 + 60_000); // held: 500 over the limit
    const byController = a.action(id('a1'), 'O-1', 'RELEASE', T0 + 120_000, 'CREDIT_CONTROLLER'); // may 100: refused
    const byViewer = a.action(id('a2'), 'O-1', 'REJECT', T0 + 180_000, 'VIEWER'); // may not act: refused
    const byManager = a.action(id('a3'), 'O-1', 'RELEASE', T0 + 240_000, 'CREDIT_MANAGER'); // may 1000: released

    // One input topic at a time, each applied before the next, so the service sees them in this order.
    const producer = await HistoryProducer.open(kafka, serde);
    try {
      await produce(kafka, t.topics.CUSTOMER_CHANGES.name, [{ key: 'ACME', value: await serde.encode(t.topics.CUSTOMER_CHANGES, change) }]);
      for (const [spec, events] of [
        [t.topics.CUSTOMERS, [profile]],
        [t.topics.ORDERS, [order]],
        [t.topics.CREDIT_ACTIONS, [byController, byViewer, byManager]],
      ] as const) {
        await producer.send(spec, events);
        await waitApplied(redis, t, spec.name, await endOffsets(admin, spec.name), { timeoutMs: WITHIN_MS });
      }
    } finally {
      await producer.close();
    }

    // On Kafka: held, two refusals caused by their actions, then the manager's release (and the customer hold it brings).
    await holds.waitFor(5, WITHIN_MS);
    const decoded = await Promise.all(holds.messages.map(async (m) => (await serde.decode(t.topics.CREDIT_HOLDS, m.value!)) as CreditHoldEvent));
    await holds.stop();
    const refusals = decoded.filter((e) => e.eventType === 'CreditActionRefused');
    expect(refusals.map((e) => [e.causationId, e.payload])).toEqual([
      [byController.eventId, expect.objectContaining({
        orderId: 'O-1', action: 'RELEASE', actor: 'alice', actorRole: 'CREDIT_CONTROLLER', refusal: 'BEYOND_AUTHORITY',
        overLimit: 500, authorityLimit: 100, shortfall: 400,
      })],
      [byViewer.eventId, expect.objectContaining({
        orderId: 'O-1', action: 'REJECT', actorRole: 'VIEWER', refusal: 'ROLE_NOT_PERMITTED', overLimit: 0, shortfall: 0,
      })],
    ]);
    const released = decoded.find((e) => e.eventType === 'OrderCreditReleased');
    expect(released).toMatchObject({ causationId: byManager.eventId, payload: { release: 'MANUAL', actor: 'alice', actorRole: 'CREDIT_MANAGER' } });
    const metrics = await (await fetch(`http://127.0.0.1:${exposure.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/o2c_exposure_decisions_total\{outcome="refused",service="exposure"\} 2/);

    // In Postgres: every action as requested, what became of it, and the limit change before and after.
    const audit = async () => (await pool.query<AuditRow>(
      `SELECT event_type, action, actor, actor_role, outcome, causation_id, refusal, over_limit_minor, authority_limit_minor,
              shortfall_minor, order_id, previous_credit_limit_minor, credit_limit_minor, reason
         FROM reporting.audit_log ORDER BY occurred_at, event_type`).catch(() => ({ rows: [] as AuditRow[] }))).rows;
    await waitUntil(async () => (await audit()).length === 8, 'eight audit entries', WITHIN_MS);
    const none = { refusal: null, over_limit_minor: null, authority_limit_minor: null, shortfall_minor: null };
    const noProfile = { previous_credit_limit_minor: null, credit_limit_minor: null };
    expect(await audit()).toEqual([
      { event_type: 'CustomerCreditProfile', action: 'PROFILE_CHANGE', actor: 'ann', actor_role: null, outcome: null,
        causation_id: null, ...none, order_id: null, previous_credit_limit_minor: null, credit_limit_minor: '1000', reason: 'annual review' },
      { event_type: 'CustomerProfileChanged', action: 'LIMIT_CHANGE', actor: 'ann', actor_role: null, outcome: null,
        causation_id: profile.eventId, ...none, order_id: null, previous_credit_limit_minor: '800', credit_limit_minor: '1000',
        reason: 'annual review' },
      { event_type: 'CreditActionRefused', action: 'RELEASE', actor: 'alice', actor_role: 'CREDIT_CONTROLLER', outcome: 'REFUSED',
        causation_id: byController.eventId, refusal: 'BEYOND_AUTHORITY', over_limit_minor: '500', authority_limit_minor: '100',
        shortfall_minor: '400', order_id: 'O-1', ...noProfile, reason: 'called the customer' },
      { event_type: 'CreditActionTaken', action: 'RELEASE', actor: 'alice', actor_role: 'CREDIT_CONTROLLER', outcome: 'REQUESTED',
        causation_id: null, ...none, order_id: 'O-1', ...noProfile, reason: 'called the customer' },
      { event_type: 'CreditActionRefused', action: 'REJECT', actor: 'alice', actor_role: 'VIEWER', outcome: 'REFUSED',
        causation_id: byViewer.eventId, refusal: 'ROLE_NOT_PERMITTED', over_limit_minor: '0', authority_limit_minor: '0',
        shortfall_minor: '0', order_id: 'O-1', ...noProfile, reason: 'called the customer' },
      { event_type: 'CreditActionTaken', action: 'REJECT', actor: 'alice', actor_role: 'VIEWER', outcome: 'REQUESTED',
        causation_id: null, ...none, order_id: 'O-1', ...noProfile, reason: 'called the customer' },
      { event_type: 'CreditActionTaken', action: 'RELEASE', actor: 'alice', actor_role: 'CREDIT_MANAGER', outcome: 'REQUESTED',
        causation_id: null, ...none, order_id: 'O-1', ...noProfile, reason: 'called the customer' },
      { event_type: 'OrderCreditReleased', action: 'RELEASE', actor: 'alice', actor_role: 'CREDIT_MANAGER', outcome: 'ACCEPTED',
        causation_id: byManager.eventId, ...none, order_id: 'O-1', ...noProfile, reason: null },
    ]);
    // The refusals changed nothing: the order ended released by the manager.
    const { rows } = await pool.query<{ decision: string }>(`SELECT decision FROM reporting.orders WHERE order_id = 'O-1'`);
    expect(rows).toEqual([{ decision: 'RELEASED' }]);
  }, 300_000);
});
