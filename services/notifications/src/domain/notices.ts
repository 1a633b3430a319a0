// The notifications rule: which customer notices are due, from one input or one business date.
//
//   reminder     an open, undisputed invoice gets one PAYMENT_REMINDER on the first business date D with
//                due - N <= D < due (checked at each tick, and at issue against the current business date); N is
//                the customer's risk class's (reminderDaysByClass: the latest score's class, else the profile's) or
//                reminderDaysBefore; at least likelyLateReminderDaysBefore when its latest late-payment probability is
//                at least likelyLateProbabilityBp
//   overdue      a DunningStageReached gives one OVERDUE_NOTICE per invoice and stage
//   terms/limit  a profile whose paymentTermsDays (creditLimit) differs from the previous profile's gives one
//                TERMS_CHANGED (LIMIT_CHANGED); the first profile gives none
//   credit hold  an OrderCreditHeld gives one CREDIT_HOLD per order
//   promises     PromiseToPay, kept or broken once (promises.ts): an outcome on its own topic; a broken one also gives
//                one PROMISE_BROKEN notice per promise, on the business date that broke it (or at once when recorded
//                after its date)
//   opt-out      a type not in the policy's enabledTypes, or in the profile's noticeOptOuts (or ALL), is decided but
//                suppressed: nothing is issued, and it is not reconsidered
// Every notice has a deterministic id (noticeIdOf: customer + business key) and is decided once (state.decided).
import { dayOf, startOfDay } from '../../../../shared/time.ts';
import { dueDateOf } from '../../../../shared/rules/due-date.ts';
import { LANGUAGES, noticeIdOf, noticeKey, type Language, type Notice, type NoticeFacts, type NoticeType } from './notice.ts';
import { reminderLead, type NotificationPolicy } from './policy.ts';
import { nextPromiseWake, promisesOnDay, promisesOnPayment, promisesOnReversal, recordPromise, type PromiseOutcome } from './promises.ts';
import { emptyState, type CustomerState, type NotificationInput, type Profile } from './state.ts';
import { render } from './templates.ts';

export interface StepResult {
  state: CustomerState;
  out: Notice[];
  /** Notices decided but not issued (an opt-out): their business keys and types. */
  suppressed: Array<{ key: string; type: NoticeType }>;
  /** Promises to pay judged by this step. */
  outcomes: PromiseOutcome[];
}

interface Cause {
  /** The input's id; null for a business date (which of the day's ticks moved it is not the notice's business). */
  eventId: string | null;
  occurredAt: number;
  asOfDate: number;
}

/** The inputs that can change a customer's state or issue a notice; the others (approvals, cures, ...) change nothing. */
export const NOTICE_INPUTS: ReadonlySet<NotificationInput['eventType']> = new Set<NotificationInput['eventType']>([
  'CustomerCreditProfile', 'InvoiceIssued', 'InvoiceAdjusted', 'InvoiceVoided', 'InvoiceDisputed', 'DisputeResolved',
  'PaymentReceived', 'PaymentReversed', 'CreditScoreUpdated', 'DunningStageReached', 'OrderCreditHeld', 'PromiseToPay',
]);

/** The language a customer's notices are written in: its profile's, when there are templates for it. */
export function languageOf(profile: Profile | null, policy: NotificationPolicy): Language {
  const tag = profile?.language?.toLowerCase().split(/[-_]/)[0];
  return (LANGUAGES as readonly string[]).includes(tag ?? '') ? (tag as Language) : policy.defaultLanguage;
}

export function optedOut(profile: Profile | null, type: NoticeType, policy: NotificationPolicy): boolean {
  return !policy.enabledTypes.has(type) || (profile?.optOuts ?? []).some((o) => o === 'ALL' || o === type);
}

/** Decides the notices of `facts` (once per business key) onto `r`. */
function decide(r: StepResult, customerId: string, facts: NoticeFacts, cause: Cause, policy: NotificationPolicy, profileEventId?: string): void {
  const key = noticeKey(facts, profileEventId);
  if (r.state.decided.includes(key)) return;
  r.state.decided.push(key);
  const { profile } = r.state;
  if (optedOut(profile, facts.type, policy)) {
    r.suppressed.push({ key, type: facts.type });
    return;
  }
  const language = languageOf(profile, policy);
  r.out.push({
    noticeId: noticeIdOf(customerId, key),
    customerId,
    occurredAt: cause.occurredAt,
    causationId: cause.eventId,
    asOfDate: cause.asOfDate,
    facts,
    recipient: profile?.contactEmail ?? null,
    language,
    ...render(facts, language, customerId),
  });
}

/** Promise outcomes onto `r`; each broken one tells the customer, on the outcome's business date and cause. */
function judged(r: StepResult, customerId: string, outcomes: readonly PromiseOutcome[], policy: NotificationPolicy): void {
  for (const o of outcomes) {
    r.outcomes.push(o);
    if (o.kind !== 'PromiseBroken') continue;
    decide(r, customerId, { type: 'PROMISE_BROKEN', promiseId: o.promiseId, amount: o.amount, paid: o.paid, currency: o.currency, dueDate: o.promisedDate },
      { eventId: o.causationId, occurredAt: o.occurredAt, asOfDate: o.asOfDate }, policy);
  }
}

/** The customer's reminder lead: by its class (the latest score's, else the profile's) and late-payment probability. */
const leadOf = (s: CustomerState, policy: NotificationPolicy): number =>
  reminderLead(policy, s.probabilityBp, s.scoredClass ?? s.profile?.riskClass ?? null);

/** Reminders due on business date `day`, in invoice-id order. */
function remind(r: StepResult, customerId: string, day: number, cause: Cause, policy: NotificationPolicy): void {
  const lead = leadOf(r.state, policy);
  for (const id of Object.keys(r.state.invoices).sort()) {
    const inv = r.state.invoices[id]!;
    if (inv.open <= 0 || inv.disputed || day < inv.dueDate - lead || day >= inv.dueDate) continue;
    decide(r, customerId, { type: 'PAYMENT_REMINDER', invoiceId: id, amount: inv.open, currency: inv.currency, dueDate: inv.dueDate, daysBefore: inv.dueDate - day }, cause, policy);
  }
}

/**
 * Invoices due by `day` can get no more reminders: forgotten, with their allocations. Their reminder keys stay, so an
 * invoice id issued again is not reminded twice.
 */
function forgetDue(s: CustomerState, day: number): void {
  const gone = new Set(Object.keys(s.invoices).filter((id) => s.invoices[id]!.dueDate <= day));
  if (gone.size === 0) return;
  for (const id of gone) delete s.invoices[id];
  for (const [pid, allocs] of Object.entries(s.payments)) {
    const kept = allocs.filter(([inv]) => !gone.has(inv));
    if (kept.length === 0) delete s.payments[pid];
    else s.payments[pid] = kept;
  }
}

// A state stored before promises existed has none: the empty state's fields fill in what it lacks.
const clone = (s: CustomerState): CustomerState => ({ ...emptyState(), ...structuredClone(s) });

/** One input of one customer; `today` is the partition's business date (null before the first tick). */
export function onInput(prev: CustomerState | undefined, input: NotificationInput, today: number | null, policy: NotificationPolicy): StepResult {
  const r: StepResult = { state: clone(prev ?? emptyState()), out: [], suppressed: [], outcomes: [] };
  const s = r.state;
  const { customerId } = input;
  const cause = (asOfDate: number): Cause => ({ eventId: input.eventId, occurredAt: input.occurredAt, asOfDate });
  const eventDay = Math.max(today ?? -Infinity, dayOf(input.occurredAt));
  switch (input.eventType) {
    case 'CustomerCreditProfile': {
      const p = input.payload;
      const before = s.profile;
      s.profile = {
        creditLimit: p.creditLimit,
        currency: p.currency,
        paymentTermsDays: p.paymentTermsDays,
        riskClass: p.riskClass,
        contactEmail: p.contactEmail ?? null,
        language: p.language ?? null,
        optOuts: [...(p.noticeOptOuts ?? [])],
      };
      if (before !== null && before.paymentTermsDays !== p.paymentTermsDays) {
        decide(r, customerId, { type: 'TERMS_CHANGED', fromDays: before.paymentTermsDays, toDays: p.paymentTermsDays }, cause(eventDay), policy, input.eventId);
      }
      if (before !== null && (before.creditLimit !== p.creditLimit || before.currency !== p.currency)) {
        decide(r, customerId, { type: 'LIMIT_CHANGED', from: before.creditLimit, to: p.creditLimit, currency: p.currency }, cause(eventDay), policy, input.eventId);
      }
      break;
    }
    case 'InvoiceIssued': {
      const p = input.payload;
      if (s.invoices[p.invoiceId] || s.decided.includes(`R|${p.invoiceId}`)) break;
      // Every issue re-evaluates the customer's reminders at today's date (a score since the tick may have lengthened
      // the lead), even for an invoice already due, which itself gets none.
      const dueDate = dueDateOf(p, s.profile?.paymentTermsDays);
      if (today === null || dueDate > today) s.invoices[p.invoiceId] = { open: p.amount, currency: p.currency, dueDate, disputed: false };
      if (today !== null) remind(r, customerId, today, cause(today), policy);
      break;
    }
    case 'InvoiceAdjusted': {
      const inv = s.invoices[input.payload.invoiceId];
      if (inv) inv.open += input.payload.amount;
      break;
    }
    case 'InvoiceVoided':
      delete s.invoices[input.payload.invoiceId];
      break;
    case 'InvoiceDisputed':
    case 'DisputeResolved': {
      const inv = s.invoices[input.payload.invoiceId];
      if (inv) inv.disputed = input.eventType === 'InvoiceDisputed';
      break;
    }
    case 'PaymentReceived': {
      const allocs: Array<[string, number]> = [];
      for (const a of input.payload.allocations) {
        const inv = s.invoices[a.invoiceId];
        if (!inv) continue;
        inv.open -= a.amount;
        allocs.push([a.invoiceId, a.amount]);
      }
      if (allocs.length > 0) s.payments[input.payload.paymentId] = allocs;
      r.outcomes.push(...promisesOnPayment(s, customerId, input.payload, input));
      break;
    }
    case 'PaymentReversed': {
      for (const [id, amount] of s.payments[input.payload.paymentId] ?? []) {
        const inv = s.invoices[id];
        if (inv) inv.open += amount;
      }
      delete s.payments[input.payload.paymentId];
      promisesOnReversal(s, input.payload.paymentId);
      break;
    }
    case 'CreditScoreUpdated':
      s.probabilityBp = input.payload.probabilityBp;
      s.scoredClass = input.payload.riskClass;
      break;
    case 'DunningStageReached': {
      const p = input.payload;
      decide(r, customerId, {
        type: 'OVERDUE_NOTICE', invoiceId: p.invoiceId, stage: p.stage, amount: p.openAmount, currency: p.currency,
        dueDate: p.asOfDate - p.daysPastDue, daysPastDue: p.daysPastDue,
      }, cause(p.asOfDate), policy);
      break;
    }
    case 'OrderCreditHeld': {
      const p = input.payload;
      decide(r, customerId, { type: 'CREDIT_HOLD', orderId: p.orderId, amount: p.amount, currency: p.currency, reasons: p.reasons }, cause(eventDay), policy);
      break;
    }
    case 'PromiseToPay':
      judged(r, customerId, recordPromise(s, customerId, input.payload, input, today), policy);
      break;
    default:
      // Not in NOTICE_INPUTS: other delinquency and hold events give no notice.
      break;
  }
  return r;
}

/** Business date `day` reached: reminders now due; invoices due by then are forgotten; promises it passed are broken. */
export function onDay(prev: CustomerState, customerId: string, day: number, policy: NotificationPolicy): StepResult {
  const r: StepResult = { state: clone(prev), out: [], suppressed: [], outcomes: [] };
  remind(r, customerId, day, { eventId: null, occurredAt: startOfDay(day), asOfDate: day }, policy);
  forgetDue(r.state, day);
  judged(r, customerId, promisesOnDay(r.state, customerId, day), policy);
  return r;
}

/**
 * The next business date the customer needs a look (its index score): the earliest reminder date or day an open
 * promise breaks on, null if none.
 */
export function nextWake(s: CustomerState, policy: NotificationPolicy): number | null {
  const lead = leadOf(s, policy);
  let wake: number | null = nextPromiseWake(s);
  for (const [id, inv] of Object.entries(s.invoices)) {
    // An invoice that cannot be reminded now (paid, disputed, reminded) is still woken on its due date, to be forgotten.
    const remindable = inv.open > 0 && !inv.disputed && !s.decided.includes(`R|${id}`);
    const at = remindable ? inv.dueDate - lead : inv.dueDate;
    wake = wake === null ? at : Math.min(wake, at);
  }
  return wake;
}
