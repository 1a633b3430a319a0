// Drivers of the group core for the tests: a router over one source order, and the groups' tasks fed from one inbox
// per credit account (the repartition topic's partition of that account, FIFO). Synchronous: each routed record and
// each hand-over is delivered at once (what the model's instantaneous move means). Scheduled: a seeded choice, at every
// step, between routing the next input and delivering the head of any inbox, so hand-overs overtake join notices or
// trail the new group's inputs, as two tasks' outputs to one partition may. An FX rate goes into the rate table and
// then to every group's task at once, as the adapter hands a partition's rate to the group tasks it indexes.
import fc from 'fast-check';
import {
  applyGroupRecord,
  emptyGroup,
  groupSnapshotOf,
  NO_RATES,
  routeInput,
  withRate,
  type FxRates,
  type CreditPolicy,
  type ExposureInput,
  type GroupEvent,
  type GroupRecord,
  type GroupState,
} from '../src/domain/index.ts';
import { envelope, T0, MINUTE } from './inputs.ts';

export interface GroupRun {
  groups: Map<string, GroupState>;
  events: GroupEvent[];
  rejectedEventIds: string[];
  /** Records applied directly (no move awaited) whose events approved or released automatically while the group was over its limit. */
  overLimitApprovals: string[];
}

export function runGroups(inputs: readonly ExposureInput[], policy: CreditPolicy, choose?: (n: number) => number): GroupRun {
  const accounts = new Map<string, string>();
  const groups = new Map<string, GroupState>();
  const inboxes = new Map<string, GroupRecord[]>();
  const run: GroupRun = { groups, events: [], rejectedEventIds: [], overLimitApprovals: [] };
  let rates: FxRates = NO_RATES;
  const post = (account: string, record: GroupRecord) => {
    let inbox = inboxes.get(account);
    if (!inbox) inboxes.set(account, (inbox = []));
    inbox.push(record);
  };
  const deliver = (account: string, given?: GroupRecord) => {
    const record = given ?? inboxes.get(account)!.shift()!;
    const before = groups.get(account) ?? emptyGroup(account);
    const result = applyGroupRecord(before, record, policy, rates);
    groups.set(account, result.state);
    run.events.push(...result.events);
    run.rejectedEventIds.push(...result.rejected.map((r) => r.input.eventId));
    for (const h of result.handovers) post(h.to, h.record);
    const direct = record.kind === 'input' && before.parked.length === 0 && result.state.parked.length === 0;
    const approves = result.events.some((e) =>
      e.eventType === 'OrderCreditApproved' || (e.eventType === 'OrderCreditReleased' && e.payload.release === 'AUTOMATIC'));
    if (direct && approves && groupSnapshotOf(result.state, record.input)?.overLimit) run.overLimitApprovals.push(record.input.eventId);
  };
  const route = (input: ExposureInput) => {
    if (input.eventType !== 'FxRatePublished') {
      for (const r of routeInput(accounts, input)) post(r.account, r.record);
      return;
    }
    const table = withRate(rates, input.payload);
    if (!table.ok) return void run.rejectedEventIds.push(input.eventId);
    rates = table.rates;
    for (const account of [...groups.keys()].sort()) deliver(account, { kind: 'input', input: { ...input, customerId: account } });
  };
  let next = 0;
  for (;;) {
    const ready = [...inboxes].filter(([, inbox]) => inbox.length > 0).map(([account]) => account).sort();
    const sourceLeft = next < inputs.length;
    if (!sourceLeft && ready.length === 0) return run;
    if (!choose) {
      if (ready.length > 0) deliver(ready[0]!);
      else route(inputs[next++]!);
      continue;
    }
    const pick = choose(ready.length + (sourceLeft ? 1 : 0));
    if (pick < ready.length) deliver(ready[pick]!);
    else route(inputs[next++]!);
  }
}

/** Small seeded PRNG (mulberry32) as a chooser. */
export function chooser(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
}

export const HEADS = ['P', 'Q'] as const;
export const MEMBERS = ['A', 'B', 'C'] as const;
const CUSTOMERS = [...HEADS, ...MEMBERS];

const money = (max: number) => fc.integer({ min: 1, max: max / 50 }).map((n) => n * 50);

type Op =
  | { op: 'profile'; limit: number; parent: string | null }
  | { op: 'place'; amount: number; currency?: string }
  | { op: 'amend'; ref: number; amount: number }
  | { op: 'cancel'; ref: number }
  | { op: 'invoice'; amount: number; ref: number | null }
  | { op: 'pay'; amount: number; ref: number | null; currency?: string }
  | { op: 'reverse'; ref: number }
  | { op: 'action'; ref: number; action: 'RELEASE' | 'REJECT' };

/**
 * One customer's operations: a profile first (a head mostly without a parent, a member naming P, Q or none), then
 * orders, invoices, payments, later profiles that may move it, and credit actions when asked.
 */
function opsArb(head: boolean, ample: boolean, withActions: boolean, fx: boolean): fc.Arbitrary<Op[]> {
  const limit = ample ? fc.constant(1_000_000_000) : money(head ? 6000 : 3000);
  const parent = head
    ? fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('P', 'Q') })
    : fc.constantFrom<string | null>('P', 'Q', null);
  const profile = fc.record({ op: fc.constant('profile' as const), limit, parent });
  const ref = fc.nat(20);
  const ops: Array<fc.Arbitrary<Op>> = [
    profile,
    fc.record({ op: fc.constant('place' as const), amount: money(1500) }),
    fc.record({ op: fc.constant('place' as const), amount: money(1500) }),
    fc.record({ op: fc.constant('amend' as const), ref, amount: money(1500) }),
    fc.record({ op: fc.constant('cancel' as const), ref }),
    fc.record({ op: fc.constant('invoice' as const), amount: money(1500), ref: fc.option(ref, { nil: null }) }),
    fc.record({ op: fc.constant('pay' as const), amount: money(1500), ref: fc.option(ref, { nil: null }) }),
    fc.record({ op: fc.constant('reverse' as const), ref }),
  ];
  if (fx) {
    // Orders and unallocated payments in USD: converted (or waiting for the rate of their day) into the EUR account.
    ops.push(fc.record({ op: fc.constant('place' as const), amount: money(1500), currency: fc.constant('USD') }));
    ops.push(fc.record({ op: fc.constant('pay' as const), amount: money(1500), ref: fc.constant(null), currency: fc.constant('USD') }));
  }
  if (withActions) ops.push(fc.record({ op: fc.constant('action' as const), ref, action: fc.constantFrom('RELEASE' as const, 'REJECT' as const) }));
  return fc.tuple(profile, fc.array(fc.oneof(...ops), { maxLength: 14 })).map(([first, rest]) => [first, ...rest]);
}

/** One customer's inputs from its operations (event times are set by `stamp` once the histories are merged). */
function inputsOf(customerId: string, ops: Op[]): ExposureInput[] {
  const orders: string[] = [];
  const invoices: string[] = [];
  const payments: string[] = [];
  const at = (list: string[], ref: number) => list[ref % list.length]!;
  const out: ExposureInput[] = [];
  const meta = () => ({ eventId: `${customerId}-${out.length}`, customerId, occurredAt: 0 });
  for (const o of ops) {
    switch (o.op) {
      case 'profile':
        out.push(envelope('CustomerCreditProfile', {
          creditLimit: o.limit, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30, riskClass: 'B',
          manualHold: false, parentCustomerId: o.parent, changedBy: 'credit-team', changeReason: null,
        }, meta()));
        break;
      case 'place': {
        const orderId = `${customerId}-o${orders.length}`;
        orders.push(orderId);
        out.push(envelope('OrderPlaced', { orderId, amount: o.amount, currency: o.currency ?? 'EUR' }, meta()));
        break;
      }
      case 'amend':
        if (orders.length > 0) out.push(envelope('OrderAmended', { orderId: at(orders, o.ref), amount: o.amount, currency: 'EUR' }, meta()));
        break;
      case 'cancel':
        if (orders.length > 0) out.push(envelope('OrderCancelled', { orderId: at(orders, o.ref), reason: null }, meta()));
        break;
      case 'invoice': {
        const invoiceId = `${customerId}-i${invoices.length}`;
        invoices.push(invoiceId);
        const orderId = o.ref === null || orders.length === 0 ? null : at(orders, o.ref);
        out.push(envelope('InvoiceIssued', { invoiceId, orderId, amount: o.amount, currency: 'EUR', issueDate: 20_500, dueDate: 20_530 }, meta()));
        break;
      }
      case 'pay': {
        const paymentId = `${customerId}-p${payments.length}`;
        payments.push(paymentId);
        const allocations = o.ref === null || invoices.length === 0 ? [] : [{ invoiceId: at(invoices, o.ref), amount: o.amount }];
        out.push(envelope('PaymentReceived', { paymentId, amount: o.amount, currency: o.currency ?? 'EUR', receivedDate: 20_510, allocations }, meta()));
        break;
      }
      case 'reverse':
        if (payments.length > 0) out.push(envelope('PaymentReversed', { paymentId: at(payments, o.ref), reason: null }, meta()));
        break;
      case 'action':
        if (orders.length > 0) {
          out.push(envelope('CreditActionTaken', {
            orderId: at(orders, o.ref), action: o.action, actor: 'alice', reason: 'called the customer', actorRole: 'CREDIT_MANAGER',
          }, meta()));
        }
        break;
    }
  }
  return out;
}

export interface GroupHistory {
  /** Each customer's inputs, in its own order. */
  perCustomer: ExposureInput[][];
}

/** With `fx`: USD orders and payments, and a stream of EUR -> USD rates of the histories' day (corrections included). */
export const groupHistoryArb = (o: { ample: boolean; withActions: boolean; fx?: boolean }): fc.Arbitrary<GroupHistory> =>
  fc.tuple(
    fc.tuple(...CUSTOMERS.map((id) => opsArb((HEADS as readonly string[]).includes(id), o.ample, o.withActions, o.fx === true))),
    o.fx ? fc.array(fc.constantFrom('1.25', '1.1', '0.8'), { maxLength: 3 }) : fc.constant([] as string[]),
  ).map(([all, rates]) => ({
    perCustomer: [
      ...all.map((ops, i) => inputsOf(CUSTOMERS[i]!, ops)),
      ...(rates.length > 0 ? [rates.map((rate, i) => envelope('FxRatePublished', { base: 'EUR', quote: 'USD', rateDate: Math.floor(T0 / 86_400_000), rate }, { eventId: `rate-${i}`, customerId: '', occurredAt: 0 }))] : []),
    ],
  }));

/** Event times in merged order, one minute apart: every customer's own inputs stay in order and in time. */
export function stamp(merged: readonly ExposureInput[]): ExposureInput[] {
  return merged.map((e, i) => ({ ...e, occurredAt: T0 + i * MINUTE }));
}
