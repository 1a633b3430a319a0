// The reference model: the oracle for the core. It keeps nothing but the list of accepted inputs per customer and
// recomputes every exposure component from sums over that list whenever it needs one, so it shares none of the
// core's incremental bookkeeping (document parts, waiting allocations, invoiced-ahead orders, totals). Decisions
// depend on processing order by nature, so it replays the inputs in order, with its own plain logic. Its clock is
// the latest event time of a customer's accepted inputs: every decision and snapshot is stamped with it.
//
// With `groups`, a customer's credit account is its latest profile's parentCustomerId (the latest it was sent, as the
// router sees it, even one it rejects), and a move is instantaneous: the model has no hand-over, no repartition
// topic and no parking, only the rule. An order also needs the group's room (the parent's effective limit against the
// exposure of every member, computed from sums); after a member's input the other members' held orders are re-checked
// (members by their oldest hold, a group-blocked one stops the round); the group's snapshot follows every change.
import type {
  CreditHoldEvent,
  DelinquencyStatus,
  ExposureSnapshot,
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
  accepted: ExposureInput[];
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

function limitOf(book: Book, at: number): number | null {
  const p = profileOf(book);
  if (p === null) return null;
  const temp = p.tempLimit !== null && (p.tempLimitExpiresAt === null || at < p.tempLimitExpiresAt) ? p.tempLimit : 0;
  return p.creditLimit + temp;
}

function standing(book: Book, policy: CreditPolicy): HoldReason[] {
  const p = profileOf(book);
  const status = ofType(book, 'CustomerDelinquencyChanged').at(-1)?.payload.toStatus ?? 'CURRENT';
  const reasons: HoldReason[] = [];
  if (LADDER.indexOf(status) >= LADDER.indexOf(policy.overdueHoldLevel)) reasons.push('OVERDUE');
  if (p?.manualHold) reasons.push('MANUAL');
  const riskClass = riskClassOf(book, policy);
  if (riskClass !== null && policy.riskHoldClasses.includes(riskClass)) reasons.push('RISK_CLASS');
  if (!p && policy.noProfileHold) reasons.push('NO_CREDIT_PROFILE');
  if (policy.stateIncomplete) reasons.push('STATE_INCOMPLETE');
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

export function runModel(inputs: readonly ExposureInput[], policy: CreditPolicy, options: ModelOptions = {}): ModelResult {
  const books = new Map<string, Book>();
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
  const groupLimitAt = (g: string, at: number): number | null => {
    const head = headOf(g);
    return head === null ? null : limitOf(head, Math.max(head.clock, at));
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
    const limit = limitOf(b, now);
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
        creditLimit: profileOf(b)?.creditLimit ?? 0,
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
          const limit = limitOf(x, now);
          if (limit !== null && exposure + value > limit) break;
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

  for (const e of inputs) {
    if (e.eventType === 'BusinessDateTick') {
      // A tick reaches every customer whose temporary limit it expires (in customer id order): the clock moves to it.
      for (const [customerId, b] of [...books].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
        const p = profileOf(b);
        const expiresAt = p?.tempLimit ? p.tempLimitExpiresAt : null;
        if (expiresAt === null || expiresAt <= b.clock || expiresAt > e.occurredAt) continue;
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
      book = { accepted: [], clock: 0, status: new Map(), heldAt: new Map(), queue: [], parked: new Map(), actionOf: new Map(), customerHeldAt: null, band: 0, snapshot: null };
      books.set(e.customerId, book);
    }
    const b = book;
    const v = verdict(b, e, policy);
    if (v === 'ignored') continue;
    if (v !== null) { rejectedEventIds.push(e.eventId); continue; }
    b.accepted.push(e);
    b.clock = Math.max(b.clock, e.occurredAt);
    const now = b.clock;
    const decideFor = (cause: string, type: string, extra: Extra) =>
      decisions.push({ customerId: e.customerId, eventType: type, causationId: cause, occurredAt: now, ...extra });
    const decide = (type: string, extra: Extra) => decideFor(e.eventId, type, extra);
    const judge = (orderId: string) => {
      const exposure = componentsOf(b).exposure;
      const value = orderValue(b, orderId);
      const limit = limitOf(b, now);
      const reasons = standing(b, policy);
      if (limit !== null && exposure + value > limit) reasons.unshift('OVER_LIMIT');
      const room = roomOf(accountOf(e.customerId), e.customerId, e.occurredAt);
      if (room !== null && room.others + exposure + value > room.limit) reasons.push('GROUP_OVER_LIMIT');
      const amount = orderAmount(b, orderId);
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
      const limit = limitOf(b, now);
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
        const limit = limitOf(b, now);
        if (limit !== null && exposure + orderValue(b, id) > limit) break;
        const room = roomOf(accountOf(e.customerId), e.customerId, e.occurredAt);
        if (room !== null && room.others + exposure + orderValue(b, id) > room.limit) break;
        b.queue.shift();
        b.status.set(id, 'APPROVED');
        decide('OrderCreditReleased', { orderId: id, amount: orderAmount(b, id), release: 'AUTOMATIC', heldMs: now - b.heldAt.get(id)!, exposure });
      }
    }

    signals(b, e.customerId, e.eventId);
    if (options.groups) {
      const g = accountOf(e.customerId);
      const gb = groupBook(g);
      gb.clock = Math.max(gb.clock, e.occurredAt);
      groupRound(g, e, e.customerId);
      groupSnap(g, e);
    }
  }

  const components: Record<string, ModelComponents> = {};
  const statuses: Record<string, Record<string, OrderStatus>> = {};
  for (const [customerId, b] of books) {
    components[customerId] = componentsOf(b);
    statuses[customerId] = Object.fromEntries(b.status);
  }
  return { components, statuses, decisions, snapshots, rejectedEventIds, groupSnapshots, accounts: Object.fromEntries([...books.keys()].map((id) => [id, accountOf(id)])) };
}
