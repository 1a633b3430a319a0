import { describe, expect, it } from 'vitest';
import { contractOf } from '../../../shared/contracts/avro.ts';
import { Topics } from '../../../shared/contracts/topics.ts';
import { validateEvent } from '../../../shared/contracts/validate.ts';
import type { PaymentReceived } from '../../../shared/contracts/events.generated.ts';
import { dayFromIso, dayOf } from '../../../shared/time.ts';
import { TICKED_TOPICS, type OutRecord } from '../../lib/out-record.ts';
import { defaultPolicy, NOTICE_INPUTS, NotificationReplay, type StreamEvent } from '../../../services/notifications/src/domain/index.ts';
import { CONTACT_SHARE, GERMAN_SHARE, simulate, simulatedCustomers, type SimulationOptions } from '../src/simulate.ts';
import { SEGMENTS, TARGET_LATE_SHARE } from '../src/segments.ts';

const START = dayFromIso('2024-01-01');
const base: SimulationOptions = { seed: 7, customers: 200, startDay: START, days: 120, partitions: 4 };
const run = (o: Partial<SimulationOptions> = {}): OutRecord[] => [...simulate({ ...base, ...o })];

// One shared medium run for the structural checks; the calibration test makes its own large one.
const records = run();
const events = records.map((r) => r.event);
const ofType = <T extends string>(t: T) => events.filter((e) => e.eventType === t);

describe('simulate', () => {
  it('is deterministic by seed: the same seed gives the same records, another seed different ones', () => {
    expect(JSON.stringify(run())).toBe(JSON.stringify(records));
    const other = run({ seed: 8 });
    expect(other.length).not.toBe(records.length);
    expect(other.slice(0, 500).map((r) => r.event.eventId)).not.toEqual(records.slice(0, 500).map((r) => r.event.eventId));
  });

  it('stops after exactly N records when asked for N events', () => {
    expect([...simulate({ ...base, days: undefined, events: 12_345 })]).toHaveLength(12_345);
    expect(run({ days: 0 })).toHaveLength(3 * 4); // the opening ticks, then the end of time
  });

  it('emits only events that pass validation and encode with their topic schema', () => {
    for (const r of records) {
      validateEvent(r.event);
      const contract = contractOf(Topics[r.topic]);
      expect(contract.type.isValid(contract.toAvro(r.event)), `${r.event.eventType} ${r.event.eventId}`).toBe(true);
      expect(r.event.source).toBe('simulator');
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('keys every record by customer and leaves the partition to the partitioner, except on ticks', () => {
    for (const r of records) {
      if (r.event.eventType === 'BusinessDateTick') {
        expect(r.key).toBe('');
        expect(r.partition).toBeGreaterThanOrEqual(0);
      } else {
        expect(r.key).toBe(r.event.customerId);
        expect(r.partition).toBeUndefined();
      }
    }
  });

  it('ticks every partition of every ticked topic once a day, after all events of the days before', () => {
    let day = START - 1;
    let seen = new Set<string>();
    const complete = (d: number) => expect(seen.size, `ticks of ${d}`).toBe(TICKED_TOPICS.length * 4);
    for (const r of records) {
      const e = r.event;
      if (e.eventType === 'BusinessDateTick') {
        if (e.payload.businessDate !== day) {
          if (day >= START) complete(day);
          expect(e.payload.businessDate).toBe(day + 1);
          day = e.payload.businessDate;
          seen = new Set();
        }
        seen.add(`${r.topic}/${r.partition}`);
      } else {
        expect(seen.size, 'no event before the day is fully ticked').toBe(TICKED_TOPICS.length * 4);
        expect(dayOf(e.occurredAt)).toBe(day);
      }
    }
    complete(day);
    expect(day).toBe(START + 120);
  });

  it('keeps event time ascending and each customer causally ordered when no races are asked for', () => {
    const seq = run({ raceRate: 0 }).map((r) => r.event);
    const placed = new Map<string, number>();
    const issued = new Map<string, number>();
    const payments = new Map<string, number>();
    let last = 0;
    let i = 0;
    for (const e of seq) {
      i++;
      expect(e.occurredAt).toBeGreaterThanOrEqual(last);
      last = e.occurredAt;
      switch (e.eventType) {
        case 'OrderPlaced':
          placed.set(e.payload.orderId, i);
          break;
        case 'OrderAmended':
        case 'OrderCancelled':
        case 'CreditActionTaken':
          expect(placed.has(e.payload.orderId)).toBe(true);
          break;
        case 'InvoiceIssued':
          expect(placed.has(e.payload.orderId!)).toBe(true);
          expect(e.payload.dueDate! - e.payload.issueDate).toBeGreaterThanOrEqual(30);
          issued.set(e.payload.invoiceId, i);
          break;
        case 'InvoiceAdjusted':
        case 'InvoiceDisputed':
        case 'DisputeResolved':
          expect(issued.has(e.payload.invoiceId)).toBe(true);
          break;
        case 'PaymentReceived':
          for (const a of e.payload.allocations) expect(issued.has(a.invoiceId), a.invoiceId).toBe(true);
          payments.set(e.payload.paymentId, i);
          break;
        case 'PaymentReversed':
          expect(payments.has(e.payload.paymentId)).toBe(true);
          break;
      }
    }
  });

  it('lets a few payments reach their topic before the invoice they settle, when races are asked for', () => {
    const seq = run({ raceRate: 0.05 }).map((r) => r.event);
    const issued = new Set<string>();
    let early = 0;
    for (const e of seq) {
      if (e.eventType === 'InvoiceIssued') issued.add(e.payload.invoiceId);
      if (e.eventType === 'PaymentReceived' && e.payload.allocations.some((a) => !issued.has(a.invoiceId))) early++;
    }
    expect(early).toBeGreaterThan(10);
  });

  it('produces the whole order-to-cash repertoire', () => {
    const payments = ofType('PaymentReceived').map((e) => e.payload as PaymentReceived);
    const profiles = ofType('CustomerCreditProfile').map((e) => e.payload as { tempLimit: number | null; manualHold: boolean; paymentTermsDays: number; riskClass: string });
    expect(ofType('OrderAmended').length).toBeGreaterThan(0);
    expect(ofType('OrderCancelled').length).toBeGreaterThan(0);
    expect(ofType('InvoiceDisputed').length).toBeGreaterThan(0);
    expect(ofType('DisputeResolved').length).toBeGreaterThan(0);
    expect(ofType('PaymentReversed').length).toBeGreaterThan(0);
    expect(ofType('CreditActionTaken').length).toBeGreaterThan(0);
    expect(ofType('InvoiceAdjusted').every((e) => (e.payload as { amount: number }).amount < 0)).toBe(true);
    expect(ofType('InvoiceAdjusted').length).toBeGreaterThan(0);
    expect(payments.some((p) => p.allocations.length === 0), 'unapplied cash').toBe(true);
    expect(payments.some((p) => p.allocations.length > 0 && p.allocations[0]!.amount < p.amount), 'overpayment').toBe(true);
    expect(profiles.some((p) => p.tempLimit !== null), 'temporary limits').toBe(true);
    expect(profiles.some((p) => p.manualHold), 'manual holds').toBe(true);
    expect(new Set(profiles.map((p) => p.paymentTermsDays))).toEqual(new Set([30, 45, 60]));
    expect(new Set(profiles.map((p) => p.riskClass))).toEqual(new Set(['A', 'B', 'C', 'D', 'E']));
    // Partial payments: an invoice settled by more than one allocation.
    const allocationsPerInvoice = new Map<string, number>();
    for (const p of payments) for (const a of p.allocations) allocationsPerInvoice.set(a.invoiceId, (allocationsPerInvoice.get(a.invoiceId) ?? 0) + 1);
    expect([...allocationsPerInvoice.values()].some((n) => n > 1)).toBe(true);
  });

  it("writes each profile's change beside it: before (the customer's previous profile) and after, who and why", () => {
    const profiles = records.filter((r) => r.topic === 'CUSTOMERS');
    const changes = records.filter((r) => r.topic === 'CUSTOMER_CHANGES');
    expect(changes).toHaveLength(profiles.length);
    const last = new Map<string, unknown>();
    let limitChanges = 0;
    profiles.forEach((profile, i) => {
      const change = changes[i]!.event;
      if (profile.event.eventType !== 'CustomerCreditProfile' || change.eventType !== 'CustomerProfileChanged') throw new Error('unexpected type');
      const { changedBy, changeReason, contactEmail: _e, language: _l, noticeOptOuts: _o, ...terms } = profile.event.payload;
      expect(change).toMatchObject({ customerId: profile.event.customerId, occurredAt: profile.event.occurredAt, causationId: profile.event.eventId });
      expect(change.payload).toEqual({ before: last.get(profile.event.customerId) ?? null, after: terms, changedBy, changeReason });
      if (change.payload.before && change.payload.before.creditLimit !== terms.creditLimit) limitChanges += 1;
      last.set(profile.event.customerId, terms);
    });
    expect(limitChanges).toBeGreaterThan(0);
  });

  it('sends credit actions only for orders placed while their customer was on manual hold', () => {
    const onHold = new Map<string, boolean>();
    const placedOnHold = new Set<string>();
    let actions = 0;
    for (const e of events) {
      if (e.eventType === 'CustomerCreditProfile') onHold.set(e.customerId, e.payload.manualHold);
      if (e.eventType === 'OrderPlaced' && onHold.get(e.customerId)) placedOnHold.add(e.payload.orderId);
      if (e.eventType === 'CreditActionTaken') {
        actions++;
        expect(placedOnHold.has(e.payload.orderId)).toBe(true);
        expect(onHold.get(e.customerId), 'the hold still stands when the controller acts').toBe(true);
      }
    }
    expect(actions).toBeGreaterThan(0);
    expect(run({ creditActions: false }).some((r) => r.event.eventType === 'CreditActionTaken')).toBe(false);
  });

  it('gives a share of the customers a contact address and a language, English or German', () => {
    const latest = new Map<string, { contactEmail?: string | null; language?: string | null }>();
    for (const e of ofType('CustomerCreditProfile')) latest.set(e.customerId, e.payload as { contactEmail?: string | null; language?: string | null });
    const addressed = [...latest.entries()].filter(([, p]) => p.contactEmail);
    expect(latest.size).toBe(200);
    // 200 draws at 0.6 and, of about 120, at 0.3: well within these bounds for any seed.
    expect(addressed.length / latest.size).toBeGreaterThan(CONTACT_SHARE - 0.15);
    expect(addressed.length / latest.size).toBeLessThan(CONTACT_SHARE + 0.15);
    const german = addressed.filter(([, p]) => p.language === 'de').length / addressed.length;
    expect(german).toBeGreaterThan(GERMAN_SHARE - 0.15);
    expect(german).toBeLessThan(GERMAN_SHARE + 0.15);
    for (const [id, p] of addressed) {
      expect(p.contactEmail).toBe(`ap@${id.toLowerCase()}.example`);
      expect(['en', 'de']).toContain(p.language);
    }
    expect([...latest.values()].filter((p) => !p.contactEmail).every((p) => p.language === undefined)).toBe(true);
  });

  it('records promises to pay for overdue invoices, some kept and some broken as the notifications service judges them', () => {
    const due = new Map<string, number>();
    const promises: Array<{ id: string; day: number }> = [];
    for (const e of events) {
      if (e.eventType === 'InvoiceIssued') due.set(e.payload.invoiceId, e.payload.dueDate!);
      if (e.eventType !== 'PromiseToPay') continue;
      const day = dayOf(e.occurredAt);
      const invoiceId = e.payload.note!.replace('invoice ', '');
      // Taken after the invoice fell due, for a date after the call, for what is open, by a collector.
      expect(due.get(invoiceId)).toBeLessThan(day);
      expect(e.payload.promisedDate).toBeGreaterThan(day);
      expect(e.payload.amount).toBeGreaterThan(0);
      expect(e.payload).toMatchObject({ currency: 'EUR', recordedByRole: 'CREDIT_CONTROLLER' });
      expect(e.payload.recordedBy).toMatch(/^collector-\d$/);
      promises.push({ id: e.payload.promiseId, day });
    }
    expect(promises.length).toBeGreaterThan(20);
    const replay = new NotificationReplay(defaultPolicy);
    replay.pushAll(records.filter((r) => (r.event.eventType === 'BusinessDateTick' ? r.topic !== 'ORDERS' : NOTICE_INPUTS.has(r.event.eventType as never))).map((r) => r.event as StreamEvent));
    const kept = replay.outcomes.filter((o) => o.kind === 'PromiseKept').length;
    const broken = replay.outcomes.filter((o) => o.kind === 'PromiseBroken').length;
    expect(kept).toBeGreaterThan(promises.length / 10);
    expect(broken).toBeGreaterThan(promises.length / 10);
    // Only promises whose date the run did not reach are still open.
    const open = promises.length - kept - broken;
    expect(open).toBeLessThan(promises.length / 5);
    expect(run({ creditActions: false }).some((r) => r.topic === 'COLLECTIONS')).toBe(false);
  });

  it('the promises leave the rest of the traffic as it was: the collectors draw from a generator of their own', () => {
    const shape = (rs: OutRecord[]) => rs.filter((r) => r.topic !== 'COLLECTIONS').map((r) => {
      const { eventId: _id, causationId: _cause, ...rest } = r.event;
      return JSON.stringify([r.topic, rest]);
    });
    const without = run({ promises: false });
    expect(without.some((r) => r.topic === 'COLLECTIONS')).toBe(false);
    const [a, b] = [shape(without), shape(records)];
    expect(a.length).toBe(b.length);
    expect(a.findIndex((x, i) => x !== b[i]), 'the first record that differs').toBe(-1);
  });

  it('skews volume: the largest tenth of customers places far more than a tenth of the orders', () => {
    const perCustomer = new Map<string, number>();
    for (const e of ofType('OrderPlaced')) perCustomer.set(e.customerId, (perCustomer.get(e.customerId) ?? 0) + 1);
    const counts = [...perCustomer.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const top = counts.slice(0, 20).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.3);
  });

  it('pays about a third of invoices late, each segment at its own calibrated share', () => {
    const options: SimulationOptions = {
      seed: 2024, customers: 300, startDay: START, days: 240, partitions: 1, ordersPerCustomerPerDay: 0.6,
    };
    const segmentOf = new Map(simulatedCustomers(options).map((c) => [c.id, c.segment.name]));
    const end = START + 240;
    const invoices = new Map<string, { customerId: string; amount: number; due: number }>();
    const settledByDue = new Map<string, number>();
    const allocations = new Map<string, PaymentReceived>();
    const reversed = new Set<string>();
    for (const { event: e } of simulate(options)) {
      if (e.eventType === 'InvoiceIssued') {
        invoices.set(e.payload.invoiceId, { customerId: e.customerId, amount: e.payload.amount, due: e.payload.dueDate! });
      } else if (e.eventType === 'InvoiceAdjusted') {
        settledByDue.set(e.payload.invoiceId, (settledByDue.get(e.payload.invoiceId) ?? 0) - e.payload.amount);
      } else if (e.eventType === 'PaymentReceived') {
        allocations.set(e.payload.paymentId, e.payload);
      } else if (e.eventType === 'PaymentReversed') {
        reversed.add(e.payload.paymentId);
      }
    }
    // On time: credits plus the allocations of payments that stood, received by the due date, cover the invoice.
    for (const [id, p] of allocations) {
      if (reversed.has(id)) continue;
      for (const a of p.allocations) {
        if (p.receivedDate <= invoices.get(a.invoiceId)!.due) settledByDue.set(a.invoiceId, (settledByDue.get(a.invoiceId) ?? 0) + a.amount);
      }
    }
    const tally = new Map<string, { late: number; all: number }>();
    for (const [id, inv] of invoices) {
      if (inv.due >= end) continue; // not yet decidable
      for (const key of [segmentOf.get(inv.customerId)!, 'all']) {
        const t = tally.get(key) ?? { late: 0, all: 0 };
        t.all++;
        if ((settledByDue.get(id) ?? 0) < inv.amount) t.late++;
        tally.set(key, t);
      }
    }
    const share = (key: string) => tally.get(key)!.late / tally.get(key)!.all;
    expect(tally.get('all')!.all).toBeGreaterThan(30_000);
    expect(Math.abs(share('all') - TARGET_LATE_SHARE)).toBeLessThan(0.03);
    for (const s of SEGMENTS) expect(Math.abs(share(s.name) - s.lateShare), s.name).toBeLessThan(0.04);
  }, 60_000);
});

describe('simulate with a foreign share', () => {
  const fx = run({ foreignShare: 0.1, days: 60 });
  const plain = run({ days: 60 });
  const fxEvents = fx.map((r) => r.event);

  it('puts about the share of orders in USD or GBP, with their invoices, credit notes and payments in the same currency', () => {
    const placed = fxEvents.filter((e) => e.eventType === 'OrderPlaced');
    const foreign = placed.filter((e) => e.payload.currency !== 'EUR');
    expect(foreign.length / placed.length).toBeGreaterThan(0.07);
    expect(foreign.length / placed.length).toBeLessThan(0.13);
    expect(new Set(foreign.map((e) => e.payload.currency))).toEqual(new Set(['USD', 'GBP']));
    const orderCurrency = new Map(placed.map((e) => [e.payload.orderId, e.payload.currency]));
    const invoiceCurrency = new Map<string, string>();
    for (const e of fxEvents) {
      if (e.eventType === 'InvoiceIssued') {
        expect(e.payload.currency).toBe(orderCurrency.get(e.payload.orderId!)); // billed in the order's currency
        invoiceCurrency.set(e.payload.invoiceId, e.payload.currency);
      }
      if (e.eventType === 'InvoiceAdjusted') expect(e.payload.currency).toBe(invoiceCurrency.get(e.payload.invoiceId));
      if (e.eventType === 'PaymentReceived') {
        for (const a of e.payload.allocations) expect(e.payload.currency).toBe(invoiceCurrency.get(a.invoiceId) ?? e.payload.currency);
      }
    }
    // The customers' credit currency stays EUR.
    expect(new Set(fxEvents.filter((e) => e.eventType === 'CustomerCreditProfile').map((e) => e.payload.currency))).toEqual(new Set(['EUR']));
  });

  it('publishes the EUR rates of USD and GBP each weekday at 14:00 UTC to every partition, keyed by pair and day', () => {
    const rates = fx.filter((r) => r.topic === 'FX_RATES');
    const days = new Set(rates.map((r) => (r.event.eventType === 'FxRatePublished' ? r.event.payload.rateDate : -1)));
    const weekdays = Array.from({ length: 60 }, (_, k) => START + k).filter((d) => (d + 4) % 7 !== 0 && (d + 4) % 7 !== 6);
    expect([...days].sort((a, b) => a - b)).toEqual(weekdays);
    expect(rates).toHaveLength(weekdays.length * 2 * 4); // two currencies, four partitions
    for (const r of rates) {
      if (r.event.eventType !== 'FxRatePublished') throw new Error('not a rate');
      const p = r.event.payload;
      expect(r.key).toBe(`EUR${p.quote}:${p.rateDate}`);
      expect(r.partition).toBeGreaterThanOrEqual(0);
      expect(r.event.occurredAt).toBe(p.rateDate * 86_400_000 + 14 * 3_600_000);
      validateEvent(r.event);
      const contract = contractOf(Topics.FX_RATES);
      expect(contract.type.isValid(contract.toAvro(r.event))).toBe(true);
    }
    expect(new Set(fxEvents.map((e) => e.eventId)).size).toBe(fxEvents.length);
  });

  it("leaves the rest of the seed's traffic as it was: without the rates and the currencies, the records of share 0", () => {
    // Event ids (and the causes naming them) count every record, rates included, so they differ; the traffic does not.
    const strip = (records: OutRecord[]) => records
      .filter((r) => r.topic !== 'FX_RATES')
      .map((r) => JSON.stringify({ ...r, event: { ...r.event, eventId: '', causationId: null, payload: { ...r.event.payload, currency: '' } } }));
    expect(strip(fx)).toEqual(strip(plain));
    expect(plain.some((r) => r.topic === 'FX_RATES')).toBe(false);
  });
});
