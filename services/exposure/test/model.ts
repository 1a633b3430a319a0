// The reference model: the oracle for the core. It keeps nothing but the list of accepted inputs per customer and
// recomputes every exposure component from sums over that list whenever it needs one, so it shares none of the
// core's incremental bookkeeping (document parts, waiting allocations, invoiced-ahead orders, totals). Decisions
// depend on processing order by nature, so it replays the inputs in order, with its own plain logic. Its clock is
// the latest event time of a customer's accepted inputs: every decision and snapshot is stamped with it, and the
// oldest-item check counts days past due at it.
//
// With `groups`, a customer's credit account is its latest profile's parentCustomerId (the latest it was sent, as the
// router sees it, even one it rejects), and a move is instantaneous: the model has no hand-over, no repartition
// topic and no parking, only the rule. An order also needs the group's room (the parent's effective limit against the
// exposure of every member, computed from sums); after a member's input the other members' held orders are re-checked
// (members by their oldest hold, a group-blocked one stops the round); the group's snapshot follows every change.
// One currency per group is assumed: members' exposures are summed as they are, in their own credit currencies.
import type {
  CreditHoldEvent,
  DelinquencyStatus,
  ExposureSnapshot,
  FxRatePublished,
  GroupExposureSnapshot,
  HoldReason,
  ReleaseType,
} from '../../../shared/contracts/events.generated.ts';
import type { CreditPolicy, ExposureInput, OrderStatus } from '../src/domain/index.ts';

export interface ModelComponents {
  openOrders: number;
  heldOrders: number;
  heldOrderCount: number;
  openReceivables: number;
  unappliedCash: number;
  exposure: number;
}

/** A credit-hold event reduced to what the model decides: who, what, why, when, and exposure at that point. */
export interface ModelDecision {
  customerId: string;
  eventType: string;
  /** null for what a business-date tick derives (a temporary limit's expiry). */
  causationId: string | null;
  occurredAt: number;
  orderId?: string;
  amount?: number;
  reasons?: HoldReason[];
  release?: ReleaseType;
  heldMs?: number;
  band?: number;
  exposure?: number;
  /** For a refused credit action: why, and the authority it lacked. */
  refusal?: string;
  shortfall?: number;
}

/** A credit-hold event of the core (or of the running service) reduced as the model's decisions are. */
export function decisionOf(e: CreditHoldEvent): ModelDecision {
  const base = { customerId: e.customerId, eventType: e.eventType, causationId: e.causationId, occurredAt: e.occurredAt };
  switch (e.eventType) {
    case 'OrderCreditApproved': return { ...base, orderId: e.payload.orderId, amount: e.payload.amount, exposure: e.payload.exposure.exposure };
    case 'OrderCreditHeld': return { ...base, orderId: e.payload.orderId, amount: e.payload.amount, reasons: e.payload.reasons, exposure: e.payload.exposure.exposure };
    case 'OrderCreditReleased': return { ...base, orderId: e.payload.orderId, amount: e.payload.amount, release: e.payload.release, heldMs: e.payload.heldMs, exposure: e.payload.exposure.exposure };
    case 'OrderCreditRejected': return { ...base, orderId: e.payload.orderId, amount: e.payload.amount, heldMs: e.payload.heldMs };
    case 'CustomerCreditHoldPlaced': return { ...base, reasons: e.payload.reasons, exposure: e.payload.exposure.exposure };
    case 'CustomerCreditHoldReleased': return { ...base, heldMs: e.payload.heldMs, exposure: e.payload.exposure.exposure };
    case 'CreditUtilizationWarning': return { ...base, band: e.payload.bandPercent, exposure: e.payload.exposure.exposure };
    case 'CreditActionRefused': return { ...base, orderId: e.payload.orderId, amount: e.payload.amount, exposure: e.payload.exposure.exposure, refusal: e.payload.refusal, shortfall: e.payload.shortfall };
  }
}

/** A snapshot the model emits: after an accepted input, once the currency is known, when it differs from the last. */
export interface ModelSnapshot {
  customerId: string;
  causationId: string | null;
  occurredAt: number;
  snapshot: ExposureSnapshot;
}

export interface ModelResult {
  components: Record<string, ModelComponents>;
  statuses: Record<string, Record<string, OrderStatus>>;
  decisions: ModelDecision[];
  /** In emission order; per customer, the last is what the compacted exposure topic must end with. */
  snapshots: ModelSnapshot[];
  rejectedEventIds: string[];
  /** Per customer, the inputs still waiting for an FX rate, in arrival order. */
  waiting: Record<string, string[]>;
  /** With `groups`: in emission order per group. */
  groupSnapshots: ModelGroupSnapshot[];
  /** With `groups`: each customer's credit account at the end. */
  accounts: Record<string, string>;
}

export interface ModelGroupSnapshot {
  groupId: string;
  causationId: string;
  occurredAt: number;
  snapshot: GroupExposureSnapshot;
}

export interface ModelOptions {
  /** Corporate groups (profiles' parentCustomerId): GROUP_OVER_LIMIT and the group snapshots. */
  groups?: boolean;
}

type Action = Extract<ExposureInput, { eventType: 'CreditActionTaken' }>;

interface Book {
  /** In the credit currency: a foreign document is here converted. */
  accepted: ExposureInput[];
  /** Inputs waiting for an FX rate (or behind one of their document that waits), in arrival order, as they came. */
  waiting: ExposureInput[];
  /** The inputs converted from another currency, as they came, by event id. */
  originals: Map<string, ExposureInput>;
  /** Under FX_REVALUE: the day of the rate each converted input was last valued at, by event id. */
  valuedOn: Map<string, number>;
  clock: number;
  status: Map<string, OrderStatus>;
  heldAt: Map<string, number>;
  queue: string[];
  /** Actions for orders not placed yet, by orderId. */
  parked: Map<string, Action>;
  /** Event id of the action taken on (or moot for) each order. */
  actionOf: Map<string, string>;
  customerHeldAt: number | null;
  band: number;
  snapshot: ExposureSnapshot | null;
}

const LADDER: DelinquencyStatus[] = ['CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE'];

const ofType = <T extends ExposureInput['eventType']>(book: Book, type: T) =>
  book.accepted.filter((e): e is Extract<ExposureInput, { eventType: T }> => e.eventType === type);

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function profileOf(book: Book) {
  return ofType(book, 'CustomerCreditProfile').at(-1)?.payload ?? null;
}

/** Inputs whose currency field is not a document's or a profile's (a score's is the profile's as scoring saw it). */
const carriesCurrency = (e: ExposureInput): boolean =>
  'currency' in e.payload && e.eventType !== 'CustomerDelinquencyChanged' && e.eventType !== 'CreditScoreUpdated';

function currencyOf(book: Book): string | null {
  for (const e of book.accepted) if (carriesCurrency(e) && 'currency' in e.payload) return e.payload.currency;
  return null;
}

/** The risk class under the policy's source: the latest profile's, or the latest accepted score's. */
function riskClassOf(book: Book, policy: CreditPolicy): string | null {
  if (policy.riskClassSource === 'scoring') return ofType(book, 'CreditScoreUpdated').at(-1)?.payload.riskClass ?? null;
  return profileOf(book)?.riskClass ?? null;
}

function orderAmount(book: Book, orderId: string): number {
  const changes = book.accepted.filter(
    (e) => (e.eventType === 'OrderPlaced' || e.eventType === 'OrderAmended') && e.payload.orderId === orderId,
  );
  return (changes.at(-1)!.payload as { amount: number }).amount;
}

function orderValue(book: Book, orderId: string): number {
  const invoiced = sum(ofType(book, 'InvoiceIssued').filter((e) => e.payload.orderId === orderId).map((e) => e.payload.amount));
  return Math.max(0, orderAmount(book, orderId) - invoiced);
}

/** Every component from sums over the accepted inputs and the order statuses. */
export function componentsOf(book: Book): ModelComponents {
  let openOrders = 0;
  let heldOrders = 0;
  let heldOrderCount = 0;
  for (const [orderId, status] of book.status) {
    if (status === 'APPROVED') openOrders += orderValue(book, orderId);
    if (status === 'HELD') { heldOrders += orderValue(book, orderId); heldOrderCount += 1; }
  }
  const reversed = new Set(ofType(book, 'PaymentReversed').map((e) => e.payload.paymentId));
  const payments = ofType(book, 'PaymentReceived').filter((e) => !reversed.has(e.payload.paymentId));
  const voided = new Set(ofType(book, 'InvoiceVoided').map((e) => e.payload.invoiceId));
  let openReceivables = 0;
  let applied = 0;
  let credit = 0;
  for (const issued of ofType(book, 'InvoiceIssued')) {
    const id = issued.payload.invoiceId;
    if (voided.has(id)) continue;
    const gross = issued.payload.amount + sum(ofType(book, 'InvoiceAdjusted').filter((e) => e.payload.invoiceId === id).map((e) => e.payload.amount));
    const allocated = sum(payments.flatMap((p) => p.payload.allocations).filter((a) => a.invoiceId === id).map((a) => a.amount));
    const settled = Math.min(allocated, Math.max(0, gross));
    openReceivables += Math.max(0, gross) - settled;
    applied += settled;
    credit += Math.max(0, -gross);
  }
  const unappliedCash = sum(payments.map((p) => p.payload.amount)) - applied + credit;
  return { openOrders, heldOrders, heldOrderCount, openReceivables, unappliedCash, exposure: openOrders + openReceivables - unappliedCash };
}

/** The class's rules (policy.classes), the policy's defaults without a class or for a class it does not list. */
function classRules(book: Book, policy: CreditPolicy) {
  const riskClass = riskClassOf(book, policy);
  return (riskClass !== null ? policy.classes[riskClass] : undefined) ?? policy.classDefaults;
}

/** Without a profile, the class's default limit (no temporary limit), if any. */
function limitOf(book: Book, at: number, policy: CreditPolicy): number | null {
  const p = profileOf(book);
  if (p === null) return classRules(book, policy).defaultLimit;
  const temp = p.tempLimit !== null && (p.tempLimitExpiresAt === null || at < p.tempLimitExpiresAt) ? p.tempLimit : 0;
  return p.creditLimit + temp;
}

/**
 * Due dates (days) of the open invoices (not voided, receivable > 0): the invoice's own, or its issue date + the terms
 * of the last profile accepted before it, net 30 without one.
 */
function openDueDates(book: Book): number[] {
  const reversed = new Set(ofType(book, 'PaymentReversed').map((e) => e.payload.paymentId));
  const payments = ofType(book, 'PaymentReceived').filter((e) => !reversed.has(e.payload.paymentId));
  const voided = new Set(ofType(book, 'InvoiceVoided').map((e) => e.payload.invoiceId));
  const due: number[] = [];
  book.accepted.forEach((e, i) => {
    if (e.eventType !== 'InvoiceIssued' || voided.has(e.payload.invoiceId)) return;
    const id = e.payload.invoiceId;
    const gross = e.payload.amount + sum(ofType(book, 'InvoiceAdjusted').filter((x) => x.payload.invoiceId === id).map((x) => x.payload.amount));
    const allocated = sum(payments.flatMap((p) => p.payload.allocations).filter((a) => a.invoiceId === id).map((a) => a.amount));
    if (Math.max(0, gross) - Math.min(allocated, Math.max(0, gross)) <= 0) return;
    const terms = book.accepted.slice(0, i).filter((x) => x.eventType === 'CustomerCreditProfile').at(-1);
    const termsDays = terms?.eventType === 'CustomerCreditProfile' ? terms.payload.paymentTermsDays : 30;
    due.push(e.payload.dueDate ?? e.payload.issueDate + termsDays);
  });
  return due;
}

const REASON_ORDER: HoldReason[] = ['OVER_LIMIT', 'OVERDUE', 'MANUAL', 'RISK_CLASS', 'NO_CREDIT_PROFILE', 'STATE_INCOMPLETE', 'MAX_DOCUMENT_VALUE', 'OLDEST_ITEM_OVERDUE', 'GROUP_OVER_LIMIT'];

/** An order above its class's maximum single order value (its amount, amendments included). */
function aboveMaxDocument(book: Book, policy: CreditPolicy, amount: number): boolean {
  const max = classRules(book, policy).maxDocumentValue;
  return max !== null && amount > max;
}

function standing(book: Book, policy: CreditPolicy): HoldReason[] {
  const p = profileOf(book);
  const status = ofType(book, 'CustomerDelinquencyChanged').at(-1)?.payload.toStatus ?? 'CURRENT';
  const reasons: HoldReason[] = [];
  if (LADDER.indexOf(status) >= LADDER.indexOf(policy.overdueHoldLevel)) reasons.push('OVERDUE');
  if (p?.manualHold) reasons.push('MANUAL');
  const riskClass = riskClassOf(book, policy);
  const rules = classRules(book, policy);
  if ((riskClass !== null && policy.riskHoldClasses.includes(riskClass)) || rules.holdAll) reasons.push('RISK_CLASS');
  if (!p && policy.noProfileHold && rules.defaultLimit === null) reasons.push('NO_CREDIT_PROFILE');
  if (policy.stateIncomplete) reasons.push('STATE_INCOMPLETE');
  const maxDays = rules.oldestItemMaxDaysPastDue;
  if (maxDays !== null && openDueDates(book).some((due) => Math.floor(book.clock / 86_400_000) - due > maxDays)) {
    reasons.push('OLDEST_ITEM_OVERDUE');
  }
  return reasons;
}

/** Why the input is rejected, 'ignored' if it changes nothing here, null if it is accepted. */
function verdict(book: Book, e: ExposureInput, policy: CreditPolicy): string | 'ignored' | null {
  const has = (type: ExposureInput['eventType'], key: string, id: string) =>
    book.accepted.some((x) => x.eventType === type && (x.payload as unknown as Record<string, unknown>)[key] === id);
  const currency = currencyOf(book);
  if (carriesCurrency(e) && 'currency' in e.payload && currency !== null && e.payload.currency !== currency) {
    return 'currency';
  }
  switch (e.eventType) {
    case 'OrderPlaced': return has('OrderPlaced', 'orderId', e.payload.orderId) ? 'duplicate' : null;
    case 'OrderAmended':
    case 'OrderCancelled': {
      const status = book.status.get(e.payload.orderId);
      if (status === undefined) return 'unknown';
      if (status === 'CANCELLED') return 'closed';
      if (status === 'REJECTED') return e.eventType === 'OrderCancelled' ? 'ignored' : 'closed';
      return null;
    }
    case 'InvoiceIssued': return has('InvoiceIssued', 'invoiceId', e.payload.invoiceId) ? 'duplicate' : null;
    case 'InvoiceAdjusted':
      if (!has('InvoiceIssued', 'invoiceId', e.payload.invoiceId)) return 'unknown';
      if (has('InvoiceVoided', 'invoiceId', e.payload.invoiceId)) return 'voided';
      return ofType(book, 'InvoiceAdjusted').some((x) => x.payload.invoiceId === e.payload.invoiceId && x.payload.adjustmentId === e.payload.adjustmentId) ? 'duplicate' : null;
    case 'InvoiceVoided':
      if (!has('InvoiceIssued', 'invoiceId', e.payload.invoiceId)) return 'unknown';
      return has('InvoiceVoided', 'invoiceId', e.payload.invoiceId) ? 'duplicate' : null;
    case 'PaymentReceived': return has('PaymentReceived', 'paymentId', e.payload.paymentId) ? 'duplicate' : null;
    case 'PaymentReversed':
      if (!has('PaymentReceived', 'paymentId', e.payload.paymentId)) return 'unknown';
      return has('PaymentReversed', 'paymentId', e.payload.paymentId) ? 'duplicate' : null;
    case 'CreditActionTaken': {
      const status = book.status.get(e.payload.orderId);
      if (status === undefined) {
        const waiting = book.parked.get(e.payload.orderId);
        if (waiting === undefined) return null;
        return waiting.eventId === e.eventId ? 'ignored' : 'another waits';
      }
      if (book.actionOf.get(e.payload.orderId) === e.eventId) return 'ignored';
      return status === 'HELD' ? null : 'not held';
    }
    case 'CustomerCreditProfile':
    case 'CustomerDelinquencyChanged': return null;
    // Only a change of the class the policy takes from scores counts.
    case 'CreditScoreUpdated':
      if (policy.riskClassSource !== 'scoring') return 'ignored';
      return riskClassOf(book, policy) === e.payload.riskClass ? 'ignored' : null;
    default: return 'ignored';
  }
}

// Currencies. Rates are EUR -> quote per day; a pair converts through the euro. A document waits until, for both its
// currency and the credit currency, a rate of its day or a later one has been published; then it converts at the
// latest rate of a day <= its own (the last one published for that day), rounded half to even per amount, a payment's
// allocations so that they add up (each is the rounded running total minus the one before).
const MODEL_DAY = 86_400_000;
const MODEL_EXPONENTS: Record<string, number> = { EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0 };
const MONEY = new Set<string>(['OrderPlaced', 'OrderAmended', 'InvoiceIssued', 'InvoiceAdjusted', 'PaymentReceived']);

/** The document whose inputs keep their order: the one an order, invoice or payment input creates or changes. */
function documentIdOf(e: ExposureInput): string | null {
  const p = e.payload as unknown as Record<string, string>;
  if (['OrderPlaced', 'OrderAmended', 'OrderCancelled', 'CreditActionTaken'].includes(e.eventType)) return `order ${p.orderId}`;
  if (['InvoiceIssued', 'InvoiceAdjusted', 'InvoiceVoided'].includes(e.eventType)) return `invoice ${p.invoiceId}`;
  if (['PaymentReceived', 'PaymentReversed'].includes(e.eventType)) return `payment ${p.paymentId}`;
  return null;
}

function foreignOf(b: Book, e: ExposureInput): string | null {
  if (!MONEY.has(e.eventType)) return null;
  const mine = currencyOf(b);
  const theirs = (e.payload as { currency: string }).currency;
  return mine !== null && theirs !== mine ? theirs : null;
}

/** Units of `currency` per euro on `day` as a fraction, null while no rate of that day or later is known. */
function perEuro(rates: readonly FxRatePublished[], currency: string, day: number): [bigint, bigint] | null {
  if (currency === 'EUR') return [1n, 1n];
  const mine = rates.filter((r) => r.base === 'EUR' && r.quote === currency);
  if (!mine.some((r) => r.rateDate >= day)) return null;
  const inForce = mine.filter((r) => r.rateDate <= day);
  if (inForce.length === 0) return null;
  const latestDay = Math.max(...inForce.map((r) => r.rateDate));
  const [whole, fraction = ''] = inForce.filter((r) => r.rateDate === latestDay).at(-1)!.rate.split('.');
  return [BigInt(whole! + fraction), 10n ** BigInt(fraction.length)];
}

function nearestEven(num: bigint, den: bigint): number {
  const sign = num < 0n ? -1n : 1n;
  const a = num * sign;
  const q = a / den;
  const r = a - q * den;
  return Number(sign * (2n * r > den || (2n * r === den && q % 2n === 1n) ? q + 1n : q));
}

/** Converts amounts of `from` into `to` on `day`; null while a leg's rate is not known. */
export function modelConverter(rates: readonly FxRatePublished[], from: string, to: string, day: number): ((minor: number) => number) | null {
  const f = perEuro(rates, from, day);
  const t = perEuro(rates, to, day);
  if (f === null || t === null) return null;
  const num = t[0] * f[1] * 10n ** BigInt(MODEL_EXPONENTS[to]!);
  const den = t[1] * f[0] * 10n ** BigInt(MODEL_EXPONENTS[from]!);
  return (minor) => nearestEven(BigInt(minor) * num, den);
}

export function runModel(inputs: readonly ExposureInput[], policy: CreditPolicy, options: ModelOptions = {}): ModelResult {
  const books = new Map<string, Book>();
  const rates: FxRatePublished[] = [];
  const converterOf = (b: Book, e: ExposureInput) => {
    const foreign = foreignOf(b, e);
    return foreign === null ? undefined : modelConverter(rates, foreign, currencyOf(b)!, Math.floor(e.occurredAt / MODEL_DAY));
  };
  const mustWait = (b: Book, e: ExposureInput): boolean => {
    const doc = documentIdOf(e);
    if (doc !== null && b.waiting.some((w) => documentIdOf(w) === doc)) return true;
    return converterOf(b, e) === null;
  };
  const convert = (b: Book, e: ExposureInput): ExposureInput => {
    const c = converterOf(b, e);
    if (!c) return e;
    b.originals.set(e.eventId, e);
    const currency = currencyOf(b)!;
    if (e.eventType === 'PaymentReceived') {
      let running = 0;
      const allocations = e.payload.allocations.map((a) => {
        const before = c(running);
        running += a.amount;
        return { ...a, amount: c(running) - before };
      });
      return { ...e, payload: { ...e.payload, currency, amount: c(e.payload.amount), allocations } };
    }
    const p = e.payload as { amount: number };
    return { ...e, payload: { ...e.payload, currency, amount: c(p.amount) } } as ExposureInput;
  };
  // Which waiting inputs the rates let through is decided first (an input behind one that still waits stays), then
  // they are applied in arrival order.
  const releaseWaiting = (b: Book) => {
    const blocked = new Set<string>();
    const through: ExposureInput[] = [];
    b.waiting = b.waiting.filter((w) => {
      const doc = documentIdOf(w);
      const stays = (doc !== null && blocked.has(doc)) || converterOf(b, w) === null;
      if (stays && doc !== null) blocked.add(doc);
      if (!stays) through.push(w);
      return stays;
    });
    for (const w of through) applyNow(b, convert(b, w));
  };
  // FX_REVALUE: after a rate of Q for day R, each open converted document whose currency or the credit currency is Q
  // and last valued before R is converted again from what it was at R's rates: an approved or held order (its latest
  // placement or amendment), an invoice not voided that no payment allocates to (its issue and its adjustments in the
  // same currency). If any was, the clock moves to the rate, held orders are re-checked and the signals follow.
  const revalue = (b: Book, customerId: string, rate: Extract<ExposureInput, { eventType: 'FxRatePublished' }>) => {
    const credit = currencyOf(b);
    if (credit === null) return;
    const { quote, rateDate } = rate.payload;
    const due = (orig: ExposureInput) =>
      ((orig.payload as { currency: string }).currency === quote || credit === quote)
      && (b.valuedOn.get(orig.eventId) ?? Math.floor(orig.occurredAt / MODEL_DAY)) < rateDate;
    const reconvert = (i: number, orig: ExposureInput, c: (minor: number) => number) => {
      b.accepted[i] = { ...b.accepted[i]!, payload: { ...b.accepted[i]!.payload, amount: c((orig.payload as { amount: number }).amount) } } as ExposureInput;
    };
    let revalued = false;
    for (const [orderId, status] of b.status) {
      if (status !== 'APPROVED' && status !== 'HELD') continue;
      const i = b.accepted.findLastIndex((x) => (x.eventType === 'OrderPlaced' || x.eventType === 'OrderAmended') && x.payload.orderId === orderId);
      const orig = b.originals.get(b.accepted[i]!.eventId);
      if (!orig || !due(orig)) continue;
      const c = modelConverter(rates, (orig.payload as { currency: string }).currency, credit, rateDate);
      if (!c) continue;
      reconvert(i, orig, c);
      b.valuedOn.set(orig.eventId, rateDate);
      revalued = true;
    }
    for (const [i, x] of b.accepted.entries()) {
      if (x.eventType !== 'InvoiceIssued') continue;
      const orig = b.originals.get(x.eventId);
      const invoiceId = x.payload.invoiceId;
      if (!orig || !due(orig) || b.accepted.some((v) => v.eventType === 'InvoiceVoided' && v.payload.invoiceId === invoiceId)) continue;
      const reversed = new Set(ofType(b, 'PaymentReversed').map((r) => r.payload.paymentId));
      const allocated = sum(ofType(b, 'PaymentReceived').filter((p) => !reversed.has(p.payload.paymentId))
        .flatMap((p) => p.payload.allocations.filter((a) => a.invoiceId === invoiceId).map((a) => a.amount)));
      if (allocated !== 0) continue;
      const currency = (orig.payload as { currency: string }).currency;
      const c = modelConverter(rates, currency, credit, rateDate);
      if (!c) continue;
      reconvert(i, orig, c);
      for (const [k, adj] of b.accepted.entries()) {
        const adjOrig = b.originals.get(adj.eventId);
        if (adj.eventType === 'InvoiceAdjusted' && adj.payload.invoiceId === invoiceId && adjOrig && (adjOrig.payload as { currency: string }).currency === currency) reconvert(k, adjOrig, c);
      }
      b.valuedOn.set(orig.eventId, rateDate);
      revalued = true;
    }
    if (!revalued) return;
    b.clock = Math.max(b.clock, rate.occurredAt);
    const now = b.clock;
    if (standing(b, policy).length === 0) {
      while (b.queue.length > 0) {
        const id = b.queue[0]!;
        const exposure = componentsOf(b).exposure;
        const limit = limitOf(b, now, policy);
        if (limit !== null && exposure + orderValue(b, id) > limit) break;
        if (aboveMaxDocument(b, policy, orderAmount(b, id))) break;
        const room = roomOf(accountOf(customerId), customerId, rate.occurredAt);
        if (room !== null && room.others + exposure + orderValue(b, id) > room.limit) break;
        b.queue.shift();
        b.status.set(id, 'APPROVED');
        decisions.push({ customerId, eventType: 'OrderCreditReleased', causationId: rate.eventId, occurredAt: now, orderId: id, amount: orderAmount(b, id), release: 'AUTOMATIC', heldMs: now - b.heldAt.get(id)!, exposure });
      }
    }
    signals(b, customerId, rate.eventId);
    afterGroupInput(customerId, rate);
  };
  const decisions: ModelDecision[] = [];
  const snapshots: ModelSnapshot[] = [];
  const rejectedEventIds: string[] = [];
  const groupSnapshots: ModelGroupSnapshot[] = [];
  const accounts = new Map<string, string>();
  const groupBooks = new Map<string, { clock: number; last: GroupExposureSnapshot | null }>();
  const accountOf = (id: string) => accounts.get(id) ?? id;
  const members = (g: string) => [...books].filter(([id, b]) => b.accepted.length > 0 && accountOf(id) === g).map(([id]) => id).sort();
  const isGroup = (g: string) => members(g).some((id) => id !== g);
  const headOf = (g: string) => (members(g).includes(g) ? books.get(g)! : null);
  // The parent's own limit (its profile's, temporary limit included); a class's default limit is not a group limit.
  const groupLimitAt = (g: string, at: number): number | null => {
    const head = headOf(g);
    return head === null || profileOf(head) === null ? null : limitOf(head, Math.max(head.clock, at), policy);
  };
  /** The group's room for an input of `id` at `at`; null when there is no group or no parent profile. */
  const roomOf = (g: string, id: string, at: number): { limit: number; others: number } | null => {
    if (!options.groups) return null;
    const others = members(g).filter((x) => x !== id);
    if (id === g && others.length === 0) return null;
    const limit = groupLimitAt(g, at);
    if (limit === null) return null;
    return { limit, others: sum(others.map((x) => componentsOf(books.get(x)!).exposure)) };
  };

  type Extra = Omit<ModelDecision, 'customerId' | 'eventType' | 'causationId' | 'occurredAt'>;
  // The customer-level outputs at the customer's clock: hold, bands, snapshot; `cause` null for a limit's expiry.
  const signals = (b: Book, customerId: string, cause: string | null) => {
    const say = (type: string, extra: Extra) =>
      decisions.push({ customerId, eventType: type, causationId: cause, occurredAt: b.clock, ...extra });
    const after = componentsOf(b);
    const { exposure } = after;
    const now = b.clock;
    const limit = limitOf(b, now, policy);
    const reasons: HoldReason[] = [];
    if (limit !== null && exposure > limit) reasons.push('OVER_LIMIT');
    if (profileOf(b)?.manualHold) reasons.push('MANUAL');
    if (reasons.length > 0 && b.customerHeldAt === null) {
      say('CustomerCreditHoldPlaced', { reasons, exposure });
      b.customerHeldAt = now;
    }
    if (reasons.length === 0 && b.customerHeldAt !== null) {
      say('CustomerCreditHoldReleased', { heldMs: now - b.customerHeldAt, exposure });
      b.customerHeldAt = null;
    }

    const basisPoints = limit ? Math.trunc((exposure * 10_000) / limit) : 0;
    const reached = Math.max(0, ...policy.warningBands.filter((band) => basisPoints >= band * 100));
    for (const band of policy.warningBands) if (band > b.band && band <= reached) say('CreditUtilizationWarning', { band, exposure });
    b.band = reached;

    const currency = currencyOf(b);
    if (currency !== null) {
      const snapshot: ExposureSnapshot = {
        currency,
        openOrders: after.openOrders,
        openReceivables: after.openReceivables,
        unappliedCash: after.unappliedCash,
        exposure,
        heldOrders: after.heldOrders,
        heldOrderCount: after.heldOrderCount,
        creditLimit: profileOf(b)?.creditLimit ?? limit ?? 0,
        effectiveLimit: limit ?? 0,
        utilizationBasisPoints: basisPoints,
        onHold: b.customerHeldAt !== null,
        delinquencyStatus: ofType(b, 'CustomerDelinquencyChanged').at(-1)?.payload.toStatus ?? 'CURRENT',
      };
      if (JSON.stringify(snapshot) !== JSON.stringify(b.snapshot)) {
        b.snapshot = snapshot;
        snapshots.push({ customerId, causationId: cause, occurredAt: now, snapshot });
      }
    }
  };

  const groupBook = (g: string) => {
    let gb = groupBooks.get(g);
    if (!gb) groupBooks.set(g, (gb = { clock: 0, last: null }));
    return gb;
  };
  // The other members' held orders after an input of `skip` (or a member leaving): members by their oldest hold.
  const groupRound = (g: string, cause: ExposureInput, skip: string | null) => {
    if (!isGroup(g)) return;
    const oldest = (id: string) => books.get(id)!.heldAt.get(books.get(id)!.queue[0]!)!;
    const waiting = members(g)
      .filter((id) => id !== skip && books.get(id)!.queue.length > 0)
      .sort((a, b) => oldest(a) - oldest(b) || (a < b ? -1 : 1));
    for (const id of waiting) {
      const room = roomOf(g, id, cause.occurredAt);
      if (room === null) return;
      const x = books.get(id)!;
      const now = Math.max(x.clock, cause.occurredAt);
      let released = false;
      let blocked = false;
      if (standing(x, policy).length === 0) {
        while (x.queue.length > 0) {
          const orderId = x.queue[0]!;
          const exposure = componentsOf(x).exposure;
          const value = orderValue(x, orderId);
          const limit = limitOf(x, now, policy);
          if (limit !== null && exposure + value > limit) break;
          if (aboveMaxDocument(x, policy, orderAmount(x, orderId))) break; // its own rule, not the group's
          if (room.others + exposure + value > room.limit) { blocked = true; break; }
          x.queue.shift();
          x.status.set(orderId, 'APPROVED');
          decisions.push({
            customerId: id, eventType: 'OrderCreditReleased', causationId: cause.eventId, occurredAt: now,
            orderId, amount: orderAmount(x, orderId), release: 'AUTOMATIC', heldMs: now - x.heldAt.get(orderId)!, exposure,
          });
          released = true;
        }
      }
      if (released) {
        x.clock = now;
        signals(x, id, cause.eventId);
      }
      if (blocked) return;
    }
  };
  const groupSnap = (g: string, cause: ExposureInput) => {
    const gb = groupBook(g);
    if (!isGroup(g) && gb.last === null) return;
    const head = headOf(g);
    const currency = (head ? currencyOf(head) : null) ?? gb.last?.currency ?? null;
    if (currency === null) return;
    const parts = members(g).map((id) => componentsOf(books.get(id)!));
    const exposure = sum(parts.map((c) => c.exposure));
    const limit = groupLimitAt(g, cause.occurredAt);
    const snapshot: GroupExposureSnapshot = {
      currency,
      openOrders: sum(parts.map((c) => c.openOrders)),
      openReceivables: sum(parts.map((c) => c.openReceivables)),
      unappliedCash: sum(parts.map((c) => c.unappliedCash)),
      heldOrders: sum(parts.map((c) => c.heldOrders)),
      heldOrderCount: sum(parts.map((c) => c.heldOrderCount)),
      exposure,
      groupLimit: limit ?? 0,
      utilizationBasisPoints: limit ? Math.trunc((exposure * 10_000) / limit) : 0,
      memberCount: parts.length,
      overLimit: limit !== null && exposure > limit,
    };
    if (JSON.stringify(snapshot) === JSON.stringify(gb.last)) return;
    gb.last = snapshot;
    groupSnapshots.push({ groupId: g, causationId: cause.eventId, occurredAt: gb.clock, snapshot });
  };
  // While a rate is handed to a customer, the customers it changed: its group's round waits until all its waiting
  // inputs are through (as the group core hands a member the rate in one go, then re-checks the other members).
  let rateChanged: Set<string> | null = null;
  // After an accepted input of a customer (or a rate that changed it): its group's other members, then the group's snapshot.
  const afterGroupInput = (customerId: string, e: ExposureInput) => {
    if (!options.groups) return;
    if (rateChanged !== null) { rateChanged.add(customerId); return; }
    const g = accountOf(customerId);
    const gb = groupBook(g);
    gb.clock = Math.max(gb.clock, e.occurredAt);
    groupRound(g, e, customerId);
    groupSnap(g, e);
  };

  // One input accepted or rejected now, in the credit currency (converted, when it came in another).
  const applyNow = (b: Book, e: ExposureInput) => {
    const v = verdict(b, e, policy);
    if (v === 'ignored') return;
    if (v !== null) { rejectedEventIds.push(e.eventId); return; }
    b.accepted.push(e);
    b.clock = Math.max(b.clock, e.occurredAt);
    const now = b.clock;
    const decideFor = (cause: string, type: string, extra: Extra) =>
      decisions.push({ customerId: e.customerId, eventType: type, causationId: cause, occurredAt: now, ...extra });
    const decide = (type: string, extra: Extra) => decideFor(e.eventId, type, extra);
    const judge = (orderId: string) => {
      const exposure = componentsOf(b).exposure;
      const value = orderValue(b, orderId);
      const limit = limitOf(b, now, policy);
      const amount = orderAmount(b, orderId);
      const reasons = standing(b, policy);
      if (limit !== null && exposure + value > limit) reasons.push('OVER_LIMIT');
      if (aboveMaxDocument(b, policy, amount)) reasons.push('MAX_DOCUMENT_VALUE');
      const room = roomOf(accountOf(e.customerId), e.customerId, e.occurredAt);
      if (room !== null && room.others + exposure + value > room.limit) reasons.push('GROUP_OVER_LIMIT');
      reasons.sort((x, y) => REASON_ORDER.indexOf(x) - REASON_ORDER.indexOf(y));
      if (reasons.length === 0) {
        b.status.set(orderId, 'APPROVED');
        decide('OrderCreditApproved', { orderId, amount, exposure });
      } else {
        b.status.set(orderId, 'HELD');
        b.heldAt.set(orderId, now);
        b.queue.push(orderId);
        decide('OrderCreditHeld', { orderId, amount, reasons, exposure });
      }
    };

    // The controller's action on a held order; its decision is the action's, whichever input brought it into effect.
    // Beyond the actor's authority it is refused and the order stays as it was.
    const take = (action: Action) => {
      const id = action.payload.orderId;
      const exposure = componentsOf(b).exposure;
      const heldMs = now - b.heldAt.get(id)!;
      b.actionOf.set(id, action.eventId);
      const limit = limitOf(b, now, policy);
      const releasing = action.payload.action === 'RELEASE';
      const over = releasing && limit !== null ? Math.max(0, exposure + orderValue(b, id) - limit) : 0;
      const role = action.payload.actorRole;
      const may = role === null ? undefined : policy.authority[role];
      const refuse = (refusal: string, shortfall: number) =>
        decideFor(action.eventId, 'CreditActionRefused', { orderId: id, amount: orderAmount(b, id), exposure, refusal, shortfall });
      if (!may || !(releasing ? may.release : may.reject)) return refuse('ROLE_NOT_PERMITTED', 0);
      if (over > may.maxOverLimit) return refuse('BEYOND_AUTHORITY', over - may.maxOverLimit);
      b.queue = b.queue.filter((x) => x !== id);
      b.status.set(id, action.payload.action === 'RELEASE' ? 'APPROVED' : 'REJECTED');
      if (action.payload.action === 'RELEASE') {
        decideFor(action.eventId, 'OrderCreditReleased', { orderId: id, amount: orderAmount(b, id), release: 'MANUAL', heldMs, exposure });
      } else {
        decideFor(action.eventId, 'OrderCreditRejected', { orderId: id, amount: orderAmount(b, id), heldMs });
      }
    };

    switch (e.eventType) {
      case 'OrderPlaced': {
        const id = e.payload.orderId;
        judge(id);
        const waiting = b.parked.get(id);
        b.parked.delete(id);
        if (waiting && b.status.get(id) === 'HELD') take(waiting);
        else if (waiting) b.actionOf.set(id, waiting.eventId); // approved on arrival: nothing to act on
        break;
      }
      case 'OrderAmended': {
        const id = e.payload.orderId;
        const previous = b.accepted.filter((x) => (x.eventType === 'OrderPlaced' || x.eventType === 'OrderAmended') && x.payload.orderId === id).at(-2)!;
        if (b.status.get(id) === 'APPROVED' && e.payload.amount > (previous.payload as { amount: number }).amount) {
          b.status.delete(id);
          judge(id);
        }
        break;
      }
      case 'OrderCancelled':
        b.status.set(e.payload.orderId, 'CANCELLED');
        b.queue = b.queue.filter((id) => id !== e.payload.orderId);
        break;
      case 'CreditActionTaken':
        if (b.status.has(e.payload.orderId)) take(e);
        else b.parked.set(e.payload.orderId, e);
        break;
      default:
        break;
    }

    // Release round: oldest first, stop at the first that does not fit.
    if (standing(b, policy).length === 0) {
      while (b.queue.length > 0) {
        const id = b.queue[0]!;
        const exposure = componentsOf(b).exposure;
        const limit = limitOf(b, now, policy);
        if (limit !== null && exposure + orderValue(b, id) > limit) break;
        if (aboveMaxDocument(b, policy, orderAmount(b, id))) break; // waits for an action or an amendment, no overtaking
        const room = roomOf(accountOf(e.customerId), e.customerId, e.occurredAt);
        if (room !== null && room.others + exposure + orderValue(b, id) > room.limit) break;
        b.queue.shift();
        b.status.set(id, 'APPROVED');
        decide('OrderCreditReleased', { orderId: id, amount: orderAmount(b, id), release: 'AUTOMATIC', heldMs: now - b.heldAt.get(id)!, exposure });
      }
    }

    signals(b, e.customerId, e.eventId);
    afterGroupInput(e.customerId, e);
  };

  for (const e of inputs) {
    if (e.eventType === 'FxRatePublished') {
      // A rate: every customer's waiting inputs it lets through, in customer id order, each in arrival order. With
      // groups, a customer it changed is then followed by the other members' held orders, and each group it touched
      // by one group snapshot once every customer has had the rate.
      rates.push(e.payload);
      const touched = new Set<string>();
      for (const [customerId, b] of [...books].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
        rateChanged = new Set();
        releaseWaiting(b);
        if (policy.fxRevalue) revalue(b, customerId, e);
        const changed = rateChanged.size > 0;
        rateChanged = null;
        if (!changed || !options.groups) continue;
        const g = accountOf(customerId);
        groupRound(g, e, customerId);
        touched.add(g);
      }
      for (const g of [...touched].sort()) {
        const gb = groupBook(g);
        gb.clock = Math.max(gb.clock, e.occurredAt);
        groupSnap(g, e);
      }
      continue;
    }
    if (e.eventType === 'BusinessDateTick') {
      // A tick reaches every customer whose temporary limit it expires, or whose oldest open item it makes more than
      // N days past due (in customer id order): the clock moves to it.
      for (const [customerId, b] of [...books].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
        const p = profileOf(b);
        const expiresAt = p?.tempLimit ? p.tempLimitExpiresAt : null;
        const maxDays = classRules(b, policy).oldestItemMaxDaysPastDue;
        const due = openDueDates(b);
        const tooOldAt = maxDays === null || due.length === 0 ? null : (Math.min(...due) + maxDays + 1) * 86_400_000;
        const reaches = (at: number | null) => at !== null && at > b.clock && at <= e.occurredAt;
        if (!reaches(expiresAt) && !reaches(tooOldAt)) continue;
        b.clock = e.occurredAt;
        signals(b, customerId, null);
      }
      continue;
    }
    if (e.customerId === '') continue;
    if (options.groups && e.eventType === 'CustomerCreditProfile') {
      // The move happens whether or not the profile is accepted: the old group re-checks without the member.
      const before = accountOf(e.customerId);
      const parent = e.payload.parentCustomerId;
      const next = parent && parent !== e.customerId ? parent : e.customerId;
      if (next !== before) {
        accounts.set(e.customerId, next);
        const gb = groupBook(before);
        gb.clock = Math.max(gb.clock, e.occurredAt);
        groupRound(before, e, null);
        groupSnap(before, e);
      }
    }
    let book = books.get(e.customerId);
    if (!book) {
      book = { accepted: [], waiting: [], originals: new Map(), valuedOn: new Map(), clock: 0, status: new Map(), heldAt: new Map(), queue: [], parked: new Map(), actionOf: new Map(), customerHeldAt: null, band: 0, snapshot: null };
      books.set(e.customerId, book);
    }
    if (mustWait(book, e)) { book.waiting.push(e); continue; }
    applyNow(book, convert(book, e));
  }

  const components: Record<string, ModelComponents> = {};
  const statuses: Record<string, Record<string, OrderStatus>> = {};
  const waiting: Record<string, string[]> = {};
  for (const [customerId, b] of books) {
    components[customerId] = componentsOf(b);
    statuses[customerId] = Object.fromEntries(b.status);
    waiting[customerId] = b.waiting.map((e) => e.eventId);
  }
  return {
    components, statuses, decisions, snapshots, rejectedEventIds, waiting, groupSnapshots,
    accounts: Object.fromEntries([...books.keys()].map((id) => [id, accountOf(id)])),
  };
}
