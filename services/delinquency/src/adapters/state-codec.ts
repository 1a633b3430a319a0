// How a partition's entities are stored in Redis: a customer is a hash with a field per entry of its keyed
// collections (`o:`/`x:` open and closed invoices, `p:` payments, `h:` allocations held for an invoice not issued
// yet, `r:` retired invoice ids) and one, `_`, for the rest (as-of date, currency, payment terms, status, the inputs
// held for their day, what waits for the invoices topic). A commit writes `_` and the entries the batch's calls wrote
// (Outcome.written), so its cost follows what changed, not the customer's history. Invoices and payments are kept
// compact (arrays without field names, the customer's own currency not repeated per invoice). The clock entity is
// one JSON value in `_`. serializeEntity/deserializeEntity give the whole entity as one compact text (the bench's
// preload; a plain value without `v` is read too).
import type { AgingBucket } from '../../../../shared/contracts/events.generated.ts';
import type { StateCodec } from '../../../../shared/stateful/state-codec.ts';
import { emptyState, type CustomerState, type DocumentCollection, type DocumentWrite, type InvoiceState, type PaymentState } from '../domain/index.ts';
import type { ClockEntity, CustomerEntity, Entity } from './partition-domain.ts';

const BUCKETS: readonly AgingBucket[] = ['CURRENT', 'D1_30', 'D31_60', 'D61_90', 'D90_PLUS'];
const RANK = Object.fromEntries(BUCKETS.map((b, i) => [b, i])) as Record<AgingBucket, number>;

/** issueDate, dueDate, amount, adjusted, paid, cycle, overdue (0/1), bucket rank, stages, disputes[, currency]. */
type StoredInvoice = [number, number, number, number, Record<string, number>, number, 0 | 1, number, string[], string[], string?];
/** receivedDate, then invoiceId and amount of each allocation. */
type StoredPayment = Array<number | string>;

interface StoredCustomer {
  v: 2;
  a: number | null;
  c: string | null;
  t?: number;
  o: Record<string, StoredInvoice>;
  x: Record<string, StoredInvoice>;
  p: Record<string, StoredPayment>;
  h: CustomerState['held'];
  r: string[];
  e: CustomerState['early'];
  st: CustomerState['status'];
  w?: CustomerEntity['waiting'];
  ha?: CustomerEntity['heldAt'];
}

function invoiceOut(inv: InvoiceState, currency: string | null): StoredInvoice {
  const out: StoredInvoice = [
    inv.issueDate, inv.dueDate, inv.amount, inv.adjusted, inv.paid, inv.cycle, inv.overdue ? 1 : 0, RANK[inv.bucket], inv.stages, inv.disputes,
  ];
  if (inv.currency !== currency) out.push(inv.currency);
  return out;
}

function invoiceIn(i: StoredInvoice, currency: string | null): InvoiceState {
  return {
    issueDate: i[0], dueDate: i[1], currency: i[10] ?? currency!, amount: i[2], adjusted: i[3], paid: i[4], disputes: i[9],
    cycle: i[5], overdue: i[6] === 1, bucket: BUCKETS[i[7]]!, stages: i[8],
  };
}

function paymentOut(p: PaymentState): StoredPayment {
  const out: StoredPayment = [p.receivedDate];
  for (const a of p.allocations) out.push(a.invoiceId, a.amount);
  return out;
}

function paymentIn(p: StoredPayment): PaymentState {
  const allocations: PaymentState['allocations'] = [];
  for (let i = 1; i < p.length; i += 2) allocations.push({ invoiceId: p[i] as string, amount: p[i + 1] as number });
  return { receivedDate: p[0] as number, allocations };
}

function mapValues<A, B>(o: Record<string, A>, f: (a: A) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const k in o) out[k] = f(o[k]!);
  return out;
}

export function serializeEntity(entity: Entity): string {
  if (!('s' in entity)) return JSON.stringify(entity);
  const { s } = entity;
  const stored: StoredCustomer = {
    v: 2,
    a: s.asOf,
    c: s.currency,
    o: mapValues(s.open, (i) => invoiceOut(i, s.currency)),
    x: mapValues(s.closed, (i) => invoiceOut(i, s.currency)),
    p: mapValues(s.payments, paymentOut),
    h: s.held,
    r: s.retired,
    e: s.early,
    st: s.status,
  };
  if (s.paymentTermsDays !== undefined) stored.t = s.paymentTermsDays;
  if (entity.waiting) stored.w = entity.waiting;
  if (entity.heldAt) stored.ha = entity.heldAt;
  return JSON.stringify(stored);
}

export function deserializeEntity(text: string): Entity {
  const value = JSON.parse(text) as Entity | StoredCustomer;
  if (!('v' in value)) return value;
  const s: CustomerState = {
    asOf: value.a,
    currency: value.c,
    open: mapValues(value.o, (i) => invoiceIn(i, value.c)),
    closed: mapValues(value.x, (i) => invoiceIn(i, value.c)),
    payments: mapValues(value.p, paymentIn),
    held: value.h,
    retired: value.r,
    early: value.e,
    status: value.st,
  };
  if (value.t !== undefined) s.paymentTermsDays = value.t;
  const entity: CustomerEntity = { s };
  if (value.w) entity.waiting = value.w;
  if (value.ha) entity.heldAt = value.ha;
  return entity;
}

const REST = '_';
const CODES: Readonly<Record<DocumentCollection, string>> = { open: 'o', closed: 'x', payments: 'p', held: 'h', retired: 'r' };
const BY_CODE = new Map(Object.entries(CODES).map(([c, code]) => [code, c as DocumentCollection]));

/** The customer's fields other than its keyed collections. */
interface StoredRest {
  v: 3;
  a: number | null;
  c: string | null;
  /** The profile's payment terms; absent before a profile. */
  t?: number;
  e: CustomerState['early'];
  st: CustomerState['status'];
  w?: CustomerEntity['waiting'];
  ha?: CustomerEntity['heldAt'];
}

function restJson(entity: CustomerEntity): string {
  const { s } = entity;
  const rest: StoredRest = { v: 3, a: s.asOf, c: s.currency, e: s.early, st: s.status };
  if (s.paymentTermsDays !== undefined) rest.t = s.paymentTermsDays;
  if (entity.waiting) rest.w = entity.waiting;
  if (entity.heldAt) rest.ha = entity.heldAt;
  return JSON.stringify(rest);
}

function entryJson(s: CustomerState, c: DocumentCollection, id: string): string | null {
  switch (c) {
    case 'open':
    case 'closed': {
      const inv = s[c][id];
      return inv ? JSON.stringify(invoiceOut(inv, s.currency)) : null;
    }
    case 'payments': {
      const p = s.payments[id];
      return p ? JSON.stringify(paymentOut(p)) : null;
    }
    case 'held': {
      const h = s.held[id];
      return h ? JSON.stringify(h) : null;
    }
    case 'retired':
      return s.retired.includes(id) ? '1' : null;
  }
}

const isClock = (entity: Entity): entity is ClockEntity => !('s' in entity);

/** How the batch processor stores an entity: a field per entry, written as the calls name them (see above). */
export const entityCodec: StateCodec<Entity> = {
  encode(entity) {
    if (isClock(entity)) return new Map([[REST, JSON.stringify(entity)]]);
    const { s } = entity;
    const fields = new Map<string, string>([[REST, restJson(entity)]]);
    for (const c of ['open', 'closed', 'payments', 'held'] as const) {
      for (const id in s[c]) fields.set(`${CODES[c]}:${id}`, entryJson(s, c, id)!);
    }
    for (const id of s.retired) fields.set(`${CODES.retired}:${id}`, '1');
    return fields;
  },

  part(entity, field) {
    if (isClock(entity)) return field === REST ? JSON.stringify(entity) : null;
    if (field === REST) return restJson(entity);
    const c = BY_CODE.get(field.slice(0, 1));
    if (c === undefined || field[1] !== ':') throw new Error(`no part ${JSON.stringify(field)} in a delinquency state`);
    return entryJson(entity.s, c, field.slice(2));
  },

  decode(fields, id) {
    const text = fields.get(REST);
    if (text === undefined) throw new Error(`the stored state of ${id} has no field ${REST}`);
    const value = JSON.parse(text) as ClockEntity | StoredRest;
    if (!('v' in value)) return value;
    const s: CustomerState = { ...emptyState(), asOf: value.a, currency: value.c, early: value.e, status: value.st };
    if (value.t !== undefined) s.paymentTermsDays = value.t;
    for (const [field, part] of fields) {
      if (field === REST) continue;
      const c = BY_CODE.get(field.slice(0, 1));
      const entry = field.slice(2);
      if (c === undefined || field[1] !== ':') throw new Error(`unknown field ${JSON.stringify(field)} in the stored state of ${id}`);
      if (c === 'open' || c === 'closed') s[c][entry] = invoiceIn(JSON.parse(part) as StoredInvoice, value.c);
      else if (c === 'payments') s.payments[entry] = paymentIn(JSON.parse(part) as StoredPayment);
      else if (c === 'held') s.held[entry] = JSON.parse(part) as Record<string, number>;
      else s.retired.push(entry);
    }
    const entity: CustomerEntity = { s };
    if (value.w) entity.waiting = value.w;
    if (value.ha) entity.heldAt = value.ha;
    return entity;
  },
};

/** The fields a call's writes changed: `_` (the as-of date, status and held inputs move with any call) and each entry. */
export function changedFields(written: readonly DocumentWrite[]): string[] {
  const fields = [REST];
  for (const [c, id] of written) fields.push(`${CODES[c]}:${id}`);
  return fields;
}
