// The per-class policy on the real stack: the service started with a CREDIT_POLICY_FILE applies its default limit
// (a customer without a profile), its maximum order value and its oldest-item rule (class C), releases when the item
// is paid, a business-date tick reaches the customer whose oldest item it makes too old (the adapter's index), and
// stamps the file's version on every decision; what it publishes is what the core derives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v5 as uuidv5 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import type { TopicSpec } from '../../../shared/contracts/topics.ts';
import { dayOf, startOfDay } from '../../../shared/time.ts';
import { collect } from '../../../test/kafka.ts';
import { applyEvent, type CustomerState, type DerivedEvent, type ExposureInput } from '../src/domain/index.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import { contractsOf, endOffsets, HistoryProducer, realStackFile, waitApplied } from './harness.ts';
import { customer, envelope, MINUTE, T0 } from './inputs.ts';

const ctx = realStackFile('exposure-class-policy-it');
const dir = mkdtempSync(join(tmpdir(), 'o2c-class-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const id = (label: string) => uuidv5(label, '7c3e9a1b-2d4f-4e6a-8b0c-5d7e9f1a3b5c');

describe('exposure service, a per-class credit policy file', () => {
  it('applies the default limit, the maximum order value and the oldest-item rule (a tick included), with the file version on each decision', async () => {
    const policyFile = join(dir, 'credit-policy.json');
    writeFileSync(policyFile, JSON.stringify({
      version: 'it-classes-1',
      authority: { CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: 0 } },
      defaults: { defaultLimit: 800 },
      classes: { C: { maxDocumentValue: 500, oldestItemMaxDaysPastDue: 30 } },
    }));
    const t = ctx.env('exposure-class-policy', 1, { CREDIT_POLICY_FILE: policyFile, CREDIT_POLICY_VERSION: 'env-ignored' });
    const serde = await contractsOf(ctx.kafka, ctx.stack, t);
    const producer = await HistoryProducer.open(ctx.kafka, serde);
    const today = dayOf(T0);
    const newco = customer('NEWCO'); // no profile: the defaults' limit of 800
    const acme = customer('ACME'); // class C, net 0: an invoice issued 40 days ago without a due date is 40 days past due
    const beta = customer('BETA');
    const steps: Array<[TopicSpec, ExposureInput]> = [
      [t.topics.ORDERS, newco.placed(id('n1'), 'N-1', 500, 'EUR', T0)],
      [t.topics.ORDERS, newco.placed(id('n2'), 'N-2', 400, 'EUR', T0 + MINUTE)],
      [t.topics.CUSTOMERS, acme.profile(id('p1'), { creditLimit: 10_000, riskClass: 'C', paymentTermsDays: 0 }, T0 + 2 * MINUTE)],
      [t.topics.INVOICES, envelope('InvoiceIssued', { invoiceId: 'I-1', orderId: null, amount: 300, currency: 'EUR', issueDate: today - 40, dueDate: null }, { eventId: id('i1'), customerId: 'ACME', occurredAt: T0 + 3 * MINUTE })],
      [t.topics.ORDERS, acme.placed(id('a1'), 'A-1', 100, 'EUR', T0 + 4 * MINUTE)],
      [t.topics.ORDERS, acme.placed(id('a2'), 'A-2', 600, 'EUR', T0 + 5 * MINUTE)],
      [t.topics.PAYMENTS, acme.paid(id('pay1'), 'P-1', 300, [{ invoiceId: 'I-1', amount: 300 }], T0 + 6 * MINUTE)],
      // BETA's invoice is exactly 30 days past due today (not more): approved; from tomorrow's tick on it is too old,
      // and the tick, keyed by no customer, reaches BETA through the index: an order stamped today after it is held.
      [t.topics.CUSTOMERS, beta.profile(id('p2'), { creditLimit: 10_000, riskClass: 'C', paymentTermsDays: 30 }, T0 + 7 * MINUTE)],
      [t.topics.INVOICES, envelope('InvoiceIssued', { invoiceId: 'J-1', orderId: null, amount: 200, currency: 'EUR', issueDate: today - 60, dueDate: null }, { eventId: id('j1'), customerId: 'BETA', occurredAt: T0 + 8 * MINUTE })],
      [t.topics.ORDERS, beta.placed(id('b1'), 'B-1', 100, 'EUR', T0 + 9 * MINUTE)],
      [t.topics.INVOICES, { eventId: id('tick'), eventType: 'BusinessDateTick', occurredAt: startOfDay(today + 1), customerId: '', source: 'test', causationId: null, payload: { businessDate: today + 1 } }],
      [t.topics.ORDERS, beta.placed(id('b2'), 'B-2', 100, 'EUR', T0 + 10 * MINUTE)],
    ];
    const holds = await collect(ctx.kafka, t.topics.CREDIT_HOLDS.name);
    await ctx.start(t);
    // One at a time, each applied before the next: the order the core below applies them in.
    for (const [spec, event] of steps) {
      await producer.send(spec, [event]);
      await waitApplied(ctx.redis, t, spec.name, await endOffsets(ctx.admin, spec.name));
    }
    await producer.close();

    const policy = policyOf(loadExposureConfig(t.env));
    const states = new Map<string, CustomerState>();
    const derived: DerivedEvent[] = [];
    for (const [, input] of steps) {
      // A tick handed to every customer, as addressed to it: the core decides which it reaches (the index, live).
      const addressed = input.customerId === '' ? [...states.keys()].sort().map((customerId) => ({ ...input, customerId })) : [input];
      for (const one of addressed) {
        const result = applyEvent(states.get(one.customerId), one, policy);
        if (result.changed) states.set(one.customerId, result.state);
        derived.push(...result.events);
      }
    }
    expect(states.get('BETA')!.watermark).toBe(startOfDay(today + 1));
    const expected = derived.filter((e) => e.eventType !== 'ExposureSnapshot');
    const decisions = expected.filter((e) => e.eventType.startsWith('OrderCredit'));
    expect(decisions.map((e) => [e.eventType, (e.payload as { orderId: string }).orderId, 'reasons' in e.payload ? e.payload.reasons : null])).toEqual([
      ['OrderCreditApproved', 'N-1', null], // 500 within the default limit 800
      ['OrderCreditHeld', 'N-2', ['OVER_LIMIT']], // 500 + 400 > 800; not NO_CREDIT_PROFILE
      ['OrderCreditHeld', 'A-1', ['OLDEST_ITEM_OVERDUE']], // I-1 40 days past due > 30
      ['OrderCreditHeld', 'A-2', ['MAX_DOCUMENT_VALUE', 'OLDEST_ITEM_OVERDUE']], // 600 > 500 as well
      ['OrderCreditReleased', 'A-1', null], // I-1 paid: A-1 released; A-2 stays, above the maximum
      ['OrderCreditApproved', 'B-1', null], // J-1 due today - 30: exactly 30 days
      ['OrderCreditHeld', 'B-2', ['OLDEST_ITEM_OVERDUE']], // judged at the tick's day: 31 days
    ]);

    const published = await Promise.all((await holds.waitFor(expected.length)).map((m) => serde.decode(t.topics.CREDIT_HOLDS, m.value)));
    expect(published).toEqual(expected);
    const publishedDecisions = published.filter((e) => e.eventType.startsWith('OrderCredit'));
    expect(publishedDecisions).toHaveLength(7);
    for (const e of publishedDecisions) expect((e.payload as { exposure: { policyVersion: string } }).exposure).toMatchObject({ policyVersion: 'it-classes-1' });
    expect(publishedDecisions[0]!.payload).toMatchObject({ exposure: { creditLimit: 800, effectiveLimit: 800 } });
    expect(publishedDecisions[4]!.payload).toMatchObject({ trigger: 'PaymentReceived', release: 'AUTOMATIC' });
    await holds.stop();
  });
});
