// Random valid histories for a few customers, as one event sequence per input topic, and random merges of those
// sequences that keep each topic's order (what a consumer of several topics may see).
import fc from 'fast-check';
import type { ActorRole, DelinquencyStatus } from '../../../shared/contracts/events.generated.ts';
import type { ExposureInput } from '../src/domain/index.ts';
import { T0, envelope, type Payload } from './inputs.ts';

export type Topic = 'customers' | 'orders' | 'invoices' | 'payments' | 'delinquency' | 'actions';
export type Streams = Record<Topic, ExposureInput[]>;

/** Small deterministic PRNG (mulberry32), so a merge is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A random merge of the sequences that keeps the order within each. */
export function interleave<T>(sequences: readonly T[][], seed: number): T[] {
  const random = prng(seed);
  const cursors = sequences.map(() => 0);
  const out: T[] = [];
  for (;;) {
    const open = sequences.flatMap((seq, i) => (cursors[i]! < seq.length ? [i] : []));
    if (open.length === 0) return out;
    const i = open[Math.floor(random() * open.length)]!;
    out.push(sequences[i]![cursors[i]!]!);
    cursors[i]! += 1;
  }
}

export const mergeTopics = (streams: Streams, seed: number): ExposureInput[] => interleave(Object.values(streams), seed);

const T0_DAY = Math.floor(T0 / 86_400_000);

const money = (max: number) => fc.integer({ min: 0, max: max / 50 }).map((n) => n * 50);
// Mostly roles that may act, so releases and rejects happen; sometimes one that may not, or none.
const roleArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<ActorRole>('CREDIT_CONTROLLER', 'CREDIT_MANAGER') },
  { weight: 1, arbitrary: fc.constantFrom<ActorRole | null>('VIEWER', 'ADMIN', null) },
);
const rarely = fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))).chain((b) => (b ? fc.boolean() : fc.constant(false)));

const planArb = (withActions: boolean, withForeignCurrency: boolean) =>
  fc.record({
    profiles: fc.array(
      fc.record({
        creditLimit: money(3000),
        temp: fc.option(fc.record({ amount: money(1000), expiresAfter: fc.option(fc.integer({ min: 0, max: 60 })) })),
        riskClass: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
        manualHold: rarely,
        paymentTermsDays: fc.constantFrom(0, 14, 30, 60),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    // Without a profile at all every order waits for one; the profile's arrival is still random across topics.
    noProfile: rarely,
    orders: fc.array(
      fc.record({ amount: money(1500), amend: fc.option(money(1500)), cancel: rarely, duplicate: rarely }),
      { maxLength: 8 },
    ),
    invoices: fc.array(
      fc.record({
        order: fc.option(fc.nat(9)),
        amount: money(1500),
        adjustments: fc.array(fc.integer({ min: -40, max: 20 }).filter((n) => n !== 0).map((n) => n * 50), { maxLength: 2 }),
        repeatAdjustment: rarely,
        voided: rarely,
        duplicate: rarely,
        // Issued up to 60 days before the histories' day (T0's), due on a date of its own or after the profile's terms
        // (as the profile stands when it arrives): open ones are 0 to ~60 days past due, or not yet due.
        issuedDaysAgo: fc.nat(60),
        dueAfter: fc.option(fc.nat(45), { nil: null }),
      }),
      { maxLength: 6 },
    ),
    payments: fc.array(
      fc.record({
        allocations: fc.array(fc.record({ invoice: fc.nat(7), amount: money(1000).filter((n) => n > 0) }), { maxLength: 2 }),
        extra: money(500),
        reversed: rarely,
        duplicate: rarely,
      }),
      { maxLength: 5 },
    ),
    // Another currency on the last order; it pins the customer to it if it comes first, as a real mix-up would.
    foreignCurrency: withForeignCurrency ? rarely : fc.constant(false),
    delinquency: fc.array(fc.constantFrom<DelinquencyStatus>('CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE'), { maxLength: 3 }),
    // Actions race their orders (another topic): before it they wait for it, after it they act on a held order or go
    // to the DLQ. A redelivered action (the same event id again) is ignored.
    actions: withActions
      ? fc.array(fc.record({ order: fc.nat(4), action: fc.constantFrom('RELEASE' as const, 'REJECT' as const), role: roleArb, redelivered: rarely }), { maxLength: 3 })
      : fc.constant([]),
    seed: fc.integer(),
  });

/** Per-topic streams for 1 to 3 customers; event time advances one second per event within a topic. */
export function historyArb(options: { actions: boolean; foreignCurrency: boolean }): fc.Arbitrary<Streams> {
  return fc.array(planArb(options.actions, options.foreignCurrency), { minLength: 1, maxLength: 3 }).map((plans) => {
    const streams: Streams = { customers: [], orders: [], invoices: [], payments: [], delinquency: [], actions: [] };
    const add = <T extends ExposureInput['eventType']>(topic: Topic, customerId: string, type: T, payload: Payload<T>) => {
      const k = streams[topic].length;
      streams[topic].push(envelope(type, payload, { eventId: `${topic}/${k}`, customerId, occurredAt: T0 + k * 1000 + Object.keys(streams).indexOf(topic) }));
    };
    plans.forEach((plan, c) => {
      const cid = `c${c}`;
      const orderId = (i: number) => `${cid}-o${i}`;
      const invoiceId = (i: number) => `${cid}-i${i}`;
      for (const p of plan.noProfile ? [] : plan.profiles) {
        add('customers', cid, 'CustomerCreditProfile', {
          creditLimit: p.creditLimit, currency: 'EUR',
          tempLimit: p.temp?.amount ?? null,
          tempLimitExpiresAt: p.temp?.expiresAfter != null ? T0 + p.temp.expiresAfter * 1000 : null,
          paymentTermsDays: p.paymentTermsDays, riskClass: p.riskClass, manualHold: p.manualHold,
          parentCustomerId: null, changedBy: 'gen', changeReason: null,
        });
      }
      // Each document's own events stay in order; documents interleave within their topic.
      const orderDocs = plan.orders.map((o, i) => {
        const events: Array<() => void> = [() => add('orders', cid, 'OrderPlaced', { orderId: orderId(i), amount: o.amount, currency: plan.foreignCurrency && i === plan.orders.length - 1 ? 'USD' : 'EUR' })];
        if (o.duplicate) events.push(() => add('orders', cid, 'OrderPlaced', { orderId: orderId(i), amount: o.amount + 50, currency: 'EUR' }));
        if (o.amend !== null) events.push(() => add('orders', cid, 'OrderAmended', { orderId: orderId(i), amount: o.amend!, currency: 'EUR' }));
        if (o.cancel) events.push(() => add('orders', cid, 'OrderCancelled', { orderId: orderId(i), reason: null }));
        return events;
      });
      const invoiceDocs = plan.invoices.map((inv, i) => {
        const issueDate = T0_DAY - inv.issuedDaysAgo;
        const events: Array<() => void> = [() => add('invoices', cid, 'InvoiceIssued', {
          invoiceId: invoiceId(i), orderId: inv.order === null ? null : orderId(inv.order), amount: inv.amount,
          currency: 'EUR', issueDate, dueDate: inv.dueAfter === null ? null : issueDate + inv.dueAfter,
        })];
        if (inv.duplicate) events.push(() => add('invoices', cid, 'InvoiceIssued', { invoiceId: invoiceId(i), orderId: null, amount: 1, currency: 'EUR', issueDate: 20_500, dueDate: 20_530 }));
        inv.adjustments.forEach((amount, a) => events.push(() => add('invoices', cid, 'InvoiceAdjusted', { invoiceId: invoiceId(i), adjustmentId: `a${a}`, amount, currency: 'EUR', reason: null })));
        if (inv.repeatAdjustment && inv.adjustments.length > 0) events.push(() => add('invoices', cid, 'InvoiceAdjusted', { invoiceId: invoiceId(i), adjustmentId: 'a0', amount: inv.adjustments[0]!, currency: 'EUR', reason: null }));
        if (inv.voided) events.push(() => add('invoices', cid, 'InvoiceVoided', { invoiceId: invoiceId(i), reason: null }));
        return events;
      });
      const paymentDocs = plan.payments.map((p, i) => {
        const allocations = p.allocations.map((a) => ({ invoiceId: invoiceId(a.invoice), amount: a.amount }));
        const amount = allocations.reduce((s, a) => s + a.amount, p.extra);
        const received = () => add('payments', cid, 'PaymentReceived', { paymentId: `${cid}-p${i}`, amount, currency: 'EUR', receivedDate: 20_510, allocations });
        const events: Array<() => void> = [received];
        if (p.duplicate) events.push(received);
        if (p.reversed) events.push(() => add('payments', cid, 'PaymentReversed', { paymentId: `${cid}-p${i}`, reason: null }));
        return events;
      });
      for (const docs of [orderDocs, invoiceDocs, paymentDocs]) for (const emit of interleave(docs, plan.seed)) emit();
      let status: DelinquencyStatus = 'CURRENT';
      for (const next of plan.delinquency) {
        if (next === status) continue;
        add('delinquency', cid, 'CustomerDelinquencyChanged', { fromStatus: status, toStatus: next, asOfDate: 20_540, worstDaysPastDue: 40, overdueAmount: 100, overdueCount: 1, currency: 'EUR' });
        status = next;
      }
      for (const a of plan.actions) {
        add('actions', cid, 'CreditActionTaken', { orderId: orderId(a.order), action: a.action, actor: 'gen', reason: 'test', actorRole: a.role });
        if (a.redelivered) streams.actions.push(streams.actions.at(-1)!);
      }
    });
    return streams;
  });
}
