import type {
  ActorRole,
  CollectionsEvent,
  CreditAction,
  CreditActionEvent,
  CreditHoldEvent,
  CreditReviewEvent,
  CreditScoreEvent,
  CreditTerms,
  CustomerChangeEvent,
  CustomerEvent,
  DelinquencyEvent,
  ExposureBreakdown,
  ExposureEvent,
  GroupExposureEvent,
  InvoiceEvent,
  NotificationEvent,
  OrderEvent,
  PaymentEvent,
  PromiseOutcomeEvent,
} from '../../../../shared/contracts/events.generated.ts';
import { dayOf, isoFromDay, MS_PER_DAY } from '../../../../shared/time.ts';
import { dueDateOf } from '../../../../shared/rules/due-date.ts';
import { ROW_KINDS, ROW_SPECS, type Cell, type Row, type RowKind, type RowSpec } from './row-specs.ts';

// Decoded events of every topic the sink reads, mapped to the rows they write. Pure: the same events give the same
// operations, and the rows depend only on event content (event time and dates), never on when they are written.

export type SinkEvent =
  | CustomerEvent
  | CustomerChangeEvent
  | OrderEvent
  | InvoiceEvent
  | PaymentEvent
  | CreditActionEvent
  | CreditHoldEvent
  | DelinquencyEvent
  | ExposureEvent
  | GroupExposureEvent
  | CreditScoreEvent
  | CreditReviewEvent
  | CollectionsEvent
  | PromiseOutcomeEvent
  | NotificationEvent;

export interface RowOps {
  /** Rows per kind, at most one per key, merged by the kind's conflict rule. */
  rows: Readonly<Record<RowKind, readonly Row[]>>;
  /** Invoices whose balance, settlement or dispute flags must be recomputed from the stored facts. */
  invoiceIds: readonly string[];
  /** Reversed payments: the invoices they were allocated to must be recomputed too. */
  reversedPaymentIds: readonly string[];
}

// Date#toISOString was a third of toRowOps' time: the day part is formatted once per day (events of a batch share
// few days) and the time of day by hand, giving the same string for years 0000-9999 (toISOString beyond).
const dayIsos = new Map<number, string>();
function date(day: number): string {
  let s = dayIsos.get(day);
  if (s === undefined) {
    if (dayIsos.size >= 10_000) dayIsos.clear();
    s = isoFromDay(day);
    dayIsos.set(day, s);
  }
  return s;
}
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);
const YEAR_10000 = 253_402_300_800_000;
const iso = (epochMs: number): string => {
  if (!Number.isInteger(epochMs) || epochMs < -62_167_219_200_000 || epochMs >= YEAR_10000) {
    return new Date(epochMs).toISOString();
  }
  const day = Math.floor(epochMs / MS_PER_DAY);
  let t = epochMs - day * MS_PER_DAY;
  const ms = t % 1000;
  t = (t - ms) / 1000;
  const s = t % 60;
  t = (t - s) / 60;
  return `${date(day)}T${pad2(Math.floor(t / 60))}:${pad2(t % 60)}:${pad2(s)}.${pad3(ms)}Z`;
};
/** utilizationBasisPoints as a fraction with 4 decimals, exact in a numeric column. */
const utilization = (basisPoints: number): string => (basisPoints / 10_000).toFixed(4);

function breakdown(e: ExposureBreakdown) {
  return {
    exposure_minor: e.exposure,
    effective_limit_minor: e.effectiveLimit,
    shortfall_minor: e.shortfall,
    held_orders_minor: e.heldOrders,
  };
}

const NO_CREDIT_DETAIL = {
  order_id: null, amount_minor: null, currency: null, reasons: null, release_type: null, held_ms: null,
  trigger_type: null, actor: null, reason: null, exposure_minor: null, effective_limit_minor: null,
  shortfall_minor: null, held_orders_minor: null, utilization_bp: null, band_percent: null,
} as const;

const NO_PROFILE = {
  currency: null, credit_limit_minor: null, temp_limit_minor: null, temp_limit_expires_at: null, risk_class: null,
  payment_terms_days: null, manual_hold: null,
} as const;

/** The audit columns only some entries fill: a credit action's outcome, a profile change's before. */
const NO_AUDIT_DETAIL = {
  outcome: null, causation_id: null, refusal: null, over_limit_minor: null, authority_limit_minor: null,
  shortfall_minor: null, previous_currency: null, previous_credit_limit_minor: null, previous_temp_limit_minor: null,
  previous_temp_limit_expires_at: null, previous_risk_class: null, previous_payment_terms_days: null,
  previous_manual_hold: null,
} as const;

/** A profile's terms as audit columns (the profile after); `previous_` gives them the before's names. */
function auditTerms(t: CreditTerms | null, prefix = ''): Record<string, Cell> {
  return {
    [`${prefix}currency`]: t?.currency ?? null,
    [`${prefix}credit_limit_minor`]: t?.creditLimit ?? null,
    [`${prefix}temp_limit_minor`]: t?.tempLimit ?? null,
    [`${prefix}temp_limit_expires_at`]: t?.tempLimitExpiresAt == null ? null : iso(t.tempLimitExpiresAt),
    [`${prefix}risk_class`]: t?.riskClass ?? null,
    [`${prefix}payment_terms_days`]: t?.paymentTermsDays ?? null,
    [`${prefix}manual_hold`]: t?.manualHold ?? null,
  };
}

/** A limit change moves the credit limit, the temporary limit or its expiry; anything else is a profile change. */
function changeAction(before: CreditTerms | null, after: CreditTerms): 'LIMIT_CHANGE' | 'PROFILE_CHANGE' {
  if (before === null) return 'LIMIT_CHANGE';
  const moved = before.creditLimit !== after.creditLimit || before.tempLimit !== after.tempLimit ||
    before.tempLimitExpiresAt !== after.tempLimitExpiresAt;
  return moved ? 'LIMIT_CHANGE' : 'PROFILE_CHANGE';
}

const NO_DELINQUENCY_DETAIL = {
  invoice_id: null, as_of_date: null, days_past_due: null, open_minor: null, currency: null, from_state: null,
  to_state: null, stage: null, cure: null, days_late: null, overdue_minor: null, overdue_count: null,
} as const;

class Collector {
  private readonly byKind = new Map<RowKind, Map<string, Row>>(ROW_KINDS.map((k) => [k, new Map()]));
  readonly invoiceIds = new Set<string>();
  readonly reversedPaymentIds = new Set<string>();

  add(kind: RowKind, row: Row): void {
    const spec: RowSpec = ROW_SPECS[kind];
    const key = spec.key.map((k) => String(row[k])).join('\u0000');
    const rows = this.byKind.get(kind)!;
    const previous = rows.get(key);
    rows.set(key, previous ? merge(spec, previous, row) : row);
  }

  result(): RowOps {
    const rows = Object.fromEntries(ROW_KINDS.map((k) => [k, [...this.byKind.get(k)!.values()]]));
    return {
      rows: rows as Record<RowKind, Row[]>,
      invoiceIds: [...this.invoiceIds],
      reversedPaymentIds: [...this.reversedPaymentIds],
    };
  }
}

/** What the database does when `next` meets `previous` under the spec's conflict rule. */
export function merge(spec: RowSpec, previous: Row, next: Row): Row {
  const c = spec.conflict;
  if (c.kind === 'ignore') return previous;
  const merged: Record<string, Row[string]> = { ...previous };
  for (const col of c.fill) merged[col] = previous[col] ?? next[col] ?? null;
  // Versions are ISO-8601 UTC instants of one fixed width, so string order is time order.
  if (c.version !== null && String(next[c.version]) >= String(previous[c.version])) {
    for (const col of [...c.set, c.version]) merged[col] = next[col] ?? null;
  }
  return merged;
}

/** The row operations of a batch of events, in the order they were consumed. */
export function toRowOps(events: readonly SinkEvent[]): RowOps {
  const out = new Collector();
  for (const event of events) addEvent(out, event);
  return out.result();
}

/** The audit entry of a credit action services/exposure took (a manual release, a rejection), under its own event id. */
function acceptedAction(
  out: Collector,
  e: SinkEvent,
  action: CreditAction,
  actor: string,
  actorRole: ActorRole | null,
  reason: string | null,
): void {
  const orderId = (e.payload as { orderId: string }).orderId;
  out.add('auditEntry', {
    event_id: e.eventId, occurred_at: iso(e.occurredAt), customer_id: e.customerId, event_type: e.eventType, action,
    actor, actor_role: actorRole, reason, order_id: orderId, ...NO_PROFILE, ...NO_AUDIT_DETAIL, outcome: 'ACCEPTED',
    causation_id: e.causationId,
  });
}

function addEvent(out: Collector, e: SinkEvent): void {
  const at = iso(e.occurredAt);
  const customer_id = e.customerId;
  switch (e.eventType) {
    case 'BusinessDateTick':
      return;

    case 'CustomerCreditProfile': {
      const p = e.payload;
      const profile = {
        currency: p.currency, credit_limit_minor: p.creditLimit, temp_limit_minor: p.tempLimit,
        temp_limit_expires_at: p.tempLimitExpiresAt === null ? null : iso(p.tempLimitExpiresAt),
        risk_class: p.riskClass, payment_terms_days: p.paymentTermsDays, manual_hold: p.manualHold,
      };
      out.add('customerProfile', { customer_id, ...profile, parent_customer_id: p.parentCustomerId, profile_at: at });
      out.add('auditEntry', {
        event_id: e.eventId, occurred_at: at, customer_id, event_type: e.eventType, action: 'PROFILE_CHANGE',
        actor: p.changedBy, actor_role: null, reason: p.changeReason, order_id: null, ...profile, ...NO_AUDIT_DETAIL,
      });
      return;
    }

    case 'CustomerProfileChanged': {
      const p = e.payload;
      out.add('auditEntry', {
        event_id: e.eventId, occurred_at: at, customer_id, event_type: e.eventType,
        action: changeAction(p.before, p.after), actor: p.changedBy, actor_role: null, reason: p.changeReason,
        order_id: null, ...NO_AUDIT_DETAIL, ...auditTerms(p.after), ...auditTerms(p.before, 'previous_'),
        causation_id: e.causationId,
      });
      return;
    }

    case 'CreditActionTaken': {
      const p = e.payload;
      out.add('auditEntry', {
        event_id: e.eventId, occurred_at: at, customer_id, event_type: e.eventType, action: p.action, actor: p.actor,
        actor_role: p.actorRole, reason: p.reason, order_id: p.orderId, ...NO_PROFILE, ...NO_AUDIT_DETAIL,
        outcome: 'REQUESTED',
      });
      return;
    }

    case 'CreditActionRefused': {
      const p = e.payload;
      out.add('auditEntry', {
        event_id: e.eventId, occurred_at: at, customer_id, event_type: e.eventType, action: p.action, actor: p.actor,
        actor_role: p.actorRole, reason: p.actionReason, order_id: p.orderId, ...NO_PROFILE, ...NO_AUDIT_DETAIL,
        outcome: 'REFUSED', causation_id: e.causationId, refusal: p.refusal, over_limit_minor: p.overLimit,
        authority_limit_minor: p.authorityLimit, shortfall_minor: p.shortfall,
      });
      return;
    }

    case 'ExposureSnapshot': {
      const s = e.payload;
      const figures = {
        open_orders_minor: s.openOrders, open_ar_minor: s.openReceivables, unapplied_cash_minor: s.unappliedCash,
        held_orders_minor: s.heldOrders, utilization: utilization(s.utilizationBasisPoints), on_hold: s.onHold,
      };
      out.add('customerExposure', {
        customer_id, currency: s.currency, exposure_minor: s.exposure, ...figures, held_order_count: s.heldOrderCount,
        effective_limit_minor: s.effectiveLimit, exposure_at: at,
      });
      out.add('exposureHistory', {
        event_id: e.eventId, customer_id, at, currency: s.currency, exposure_minor: s.exposure,
        limit_minor: s.effectiveLimit, credit_limit_minor: s.creditLimit, ...figures,
      });
      return;
    }

    case 'GroupExposureSnapshot': {
      // customerId is the group id (the parent's customerId).
      const s = e.payload;
      const figures = {
        currency: s.currency, exposure_minor: s.exposure, group_limit_minor: s.groupLimit, held_orders_minor: s.heldOrders,
        utilization: utilization(s.utilizationBasisPoints), member_count: s.memberCount, over_limit: s.overLimit,
      };
      out.add('groupExposure', {
        group_id: customer_id, ...figures, open_orders_minor: s.openOrders, open_ar_minor: s.openReceivables,
        unapplied_cash_minor: s.unappliedCash, held_order_count: s.heldOrderCount, exposure_at: at,
      });
      out.add('groupExposureHistory', { event_id: e.eventId, group_id: customer_id, at, ...figures });
      return;
    }

    case 'CreditScoreUpdated': {
      const p = e.payload;
      const probability = utilization(p.probabilityBp);
      out.add('customerScore', {
        customer_id, score: p.score, late_probability: probability, scored_risk_class: p.riskClass,
        proposed_limit_minor: p.proposedLimit, segment: p.segment, size_band: p.sizeBand, score_at: at,
      });
      out.add('creditScore', {
        event_id: e.eventId, customer_id, occurred_at: at, as_of_date: date(p.asOfDate), score: p.score,
        late_probability: probability, risk_class: p.riskClass, factors: JSON.stringify(p.factors),
        proposed_limit_minor: p.proposedLimit, limit_reason: p.limitReason, current_limit_minor: p.currentLimit,
        currency: p.currency === '' ? null : p.currency, utilisation: utilization(p.utilisationBp), segment: p.segment,
        size_band: p.sizeBand, annual_sales_minor: p.annualSales, model_version: p.modelVersion,
      });
      if (p.issuedInvoice !== null) {
        out.add('invoiceRiskAtIssue', {
          invoice_id: p.issuedInvoice.invoiceId, customer_id, event_id: e.eventId, issued_at: at,
          as_of_date: date(p.asOfDate), score: p.issuedInvoice.score,
          late_probability: utilization(p.issuedInvoice.probabilityBp), risk_class: p.issuedInvoice.riskClass,
          model_version: p.modelVersion,
        });
      }
      return;
    }

    case 'CreditReviewDue': {
      const p = e.payload;
      out.add('creditReview', {
        event_id: e.eventId, customer_id, occurred_at: at, as_of_date: date(p.asOfDate), reasons: p.reasons,
        score: p.score, previous_score: p.previousScore, risk_class: p.riskClass,
        previous_risk_class: p.previousRiskClass, utilisation: utilization(p.utilisationBp),
        current_limit_minor: p.currentLimit, proposed_limit_minor: p.proposedLimit,
        currency: p.currency === '' ? null : p.currency,
        limit_set_date: p.limitSetDate === null ? null : date(p.limitSetDate),
      });
      return;
    }

    case 'OrderPlaced':
    case 'OrderAmended': {
      const p = e.payload;
      out.add('orderAmount', {
        order_id: p.orderId, customer_id, currency: p.currency,
        placed_at: e.eventType === 'OrderPlaced' ? at : null, amount_minor: p.amount, amount_at: at,
      });
      return;
    }
    case 'OrderCancelled':
      out.add('orderCancelled', { order_id: e.payload.orderId, customer_id, cancelled_at: at });
      return;

    case 'InvoiceIssued': {
      const p = e.payload;
      out.add('invoiceIssued', {
        invoice_id: p.invoiceId, customer_id, order_id: p.orderId, currency: p.currency, amount_minor: p.amount,
        issued_at: date(p.issueDate), due_at: date(dueDateOf(p, null)),
      });
      out.invoiceIds.add(p.invoiceId);
      return;
    }
    case 'InvoiceAdjusted': {
      const p = e.payload;
      out.add('invoiceAdjustment', {
        adjustment_id: p.adjustmentId, event_id: e.eventId, invoice_id: p.invoiceId, customer_id,
        amount_minor: p.amount, currency: p.currency, adjusted_on: date(dayOf(e.occurredAt)), reason: p.reason,
        occurred_at: at,
      });
      out.invoiceIds.add(p.invoiceId);
      return;
    }
    case 'InvoiceVoided':
      out.add('invoiceVoided', {
        invoice_id: e.payload.invoiceId, customer_id, voided_at: date(dayOf(e.occurredAt)),
        void_reason: e.payload.reason,
      });
      out.invoiceIds.add(e.payload.invoiceId);
      return;
    case 'InvoiceDisputed':
      out.add('disputeOpened', {
        dispute_id: e.payload.disputeId, invoice_id: e.payload.invoiceId, customer_id, opened_at: at,
        reason: e.payload.reason,
      });
      out.invoiceIds.add(e.payload.invoiceId);
      return;
    case 'DisputeResolved':
      out.add('disputeResolved', {
        dispute_id: e.payload.disputeId, invoice_id: e.payload.invoiceId, customer_id, resolved_at: at,
        outcome: e.payload.outcome,
      });
      out.invoiceIds.add(e.payload.invoiceId);
      return;

    case 'PaymentReceived': {
      const p = e.payload;
      const allocated = p.allocations.reduce((sum, a) => sum + a.amount, 0);
      out.add('payment', {
        event_id: e.eventId, payment_id: p.paymentId, customer_id, event_type: e.eventType, amount_minor: p.amount,
        currency: p.currency, allocated_minor: allocated, business_date: date(p.receivedDate), reason: null,
        occurred_at: at,
      });
      p.allocations.forEach((a, line) => {
        out.add('paymentAllocation', {
          payment_id: p.paymentId, line, invoice_id: a.invoiceId, customer_id, amount_minor: a.amount,
          received_on: date(p.receivedDate),
        });
        out.invoiceIds.add(a.invoiceId);
      });
      return;
    }
    case 'PaymentReversed':
      out.add('payment', {
        event_id: e.eventId, payment_id: e.payload.paymentId, customer_id, event_type: e.eventType,
        amount_minor: null, currency: null, allocated_minor: null, business_date: date(dayOf(e.occurredAt)),
        reason: e.payload.reason, occurred_at: at,
      });
      out.reversedPaymentIds.add(e.payload.paymentId);
      return;

    case 'OrderCreditApproved':
    case 'OrderCreditHeld': {
      const p = e.payload;
      const reasons = e.eventType === 'OrderCreditHeld' ? e.payload.reasons : [];
      out.add('orderDecided', {
        order_id: p.orderId, customer_id, currency: p.currency,
        decision: e.eventType === 'OrderCreditHeld' ? 'HELD' : 'APPROVED', reasons, decided_at: at,
        released_at: null, rejected_at: null, held_ms: null, decision_at: at,
      });
      out.add('creditEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_CREDIT_DETAIL,
        order_id: p.orderId, amount_minor: p.amount, currency: p.currency, reasons, ...breakdown(p.exposure),
      });
      return;
    }
    case 'OrderCreditReleased': {
      const p = e.payload;
      out.add('orderReleased', {
        order_id: p.orderId, customer_id, currency: p.currency, decision: 'RELEASED', released_at: at,
        held_ms: p.heldMs, decision_at: at,
      });
      out.add('creditEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_CREDIT_DETAIL,
        order_id: p.orderId, amount_minor: p.amount, currency: p.currency, release_type: p.release,
        held_ms: p.heldMs, trigger_type: p.trigger, actor: p.actor, ...breakdown(p.exposure),
      });
      if (p.release === 'MANUAL') acceptedAction(out, e, 'RELEASE', p.actor ?? '', p.actorRole, null);
      return;
    }
    case 'OrderCreditRejected': {
      const p = e.payload;
      out.add('orderRejected', {
        order_id: p.orderId, customer_id, currency: p.currency, decision: 'REJECTED', rejected_at: at,
        held_ms: p.heldMs, decision_at: at,
      });
      out.add('creditEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_CREDIT_DETAIL,
        order_id: p.orderId, amount_minor: p.amount, currency: p.currency, held_ms: p.heldMs, actor: p.actor,
        reason: p.reason,
      });
      acceptedAction(out, e, 'REJECT', p.actor, p.actorRole, p.reason);
      return;
    }
    case 'CustomerCreditHoldPlaced':
      out.add('creditEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_CREDIT_DETAIL,
        reasons: e.payload.reasons, ...breakdown(e.payload.exposure),
      });
      return;
    case 'CustomerCreditHoldReleased':
      out.add('creditEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_CREDIT_DETAIL,
        held_ms: e.payload.heldMs, ...breakdown(e.payload.exposure),
      });
      return;
    case 'CreditUtilizationWarning':
      out.add('creditEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_CREDIT_DETAIL,
        utilization_bp: e.payload.utilizationBasisPoints, band_percent: e.payload.bandPercent,
        ...breakdown(e.payload.exposure),
      });
      return;

    case 'InvoiceOverdue': {
      const p = e.payload;
      out.add('delinquencyEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_DELINQUENCY_DETAIL,
        invoice_id: p.invoiceId, as_of_date: date(p.asOfDate), days_past_due: p.daysPastDue, open_minor: p.openAmount,
        currency: p.currency,
      });
      return;
    }
    case 'InvoiceAgingBucketChanged': {
      const p = e.payload;
      out.add('delinquencyEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_DELINQUENCY_DETAIL,
        invoice_id: p.invoiceId, as_of_date: date(p.asOfDate), days_past_due: p.daysPastDue, open_minor: p.openAmount,
        currency: p.currency, from_state: p.fromBucket, to_state: p.toBucket,
      });
      return;
    }
    case 'InvoiceCured': {
      const p = e.payload;
      out.add('delinquencyEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_DELINQUENCY_DETAIL,
        invoice_id: p.invoiceId, as_of_date: date(p.curedDate), cure: p.cure, days_late: p.daysLate,
      });
      return;
    }
    case 'CustomerDelinquencyChanged': {
      const p = e.payload;
      out.add('customerDelinquency', {
        customer_id, delinquency_status: p.toStatus, worst_dpd: p.worstDaysPastDue, overdue_minor: p.overdueAmount,
        delinquency_at: at,
      });
      out.add('delinquencyEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_DELINQUENCY_DETAIL,
        as_of_date: date(p.asOfDate), days_past_due: p.worstDaysPastDue, currency: p.currency,
        from_state: p.fromStatus, to_state: p.toStatus, overdue_minor: p.overdueAmount, overdue_count: p.overdueCount,
      });
      return;
    }
    case 'DunningStageReached': {
      const p = e.payload;
      out.add('delinquencyEvent', {
        event_id: e.eventId, customer_id, event_type: e.eventType, occurred_at: at, ...NO_DELINQUENCY_DETAIL,
        invoice_id: p.invoiceId, as_of_date: date(p.asOfDate), days_past_due: p.daysPastDue, open_minor: p.openAmount,
        currency: p.currency, stage: p.stage,
      });
      return;
    }
    case 'PromiseToPay': {
      const p = e.payload;
      out.add('promiseRecorded', {
        customer_id, promise_id: p.promiseId, amount_minor: p.amount, currency: p.currency,
        promised_date: date(p.promisedDate), recorded_by: p.recordedBy, recorded_by_role: p.recordedByRole,
        note: p.note, recorded_at: at,
      });
      return;
    }
    case 'PromiseKept':
    case 'PromiseBroken': {
      const p = e.payload;
      out.add('promiseOutcome', {
        customer_id, promise_id: p.promiseId, amount_minor: p.amount, currency: p.currency,
        promised_date: date(p.promisedDate), outcome: e.eventType === 'PromiseKept' ? 'KEPT' : 'BROKEN',
        paid_minor: p.paid, outcome_date: date(p.asOfDate), outcome_at: at,
      });
      return;
    }
    case 'CustomerNoticeIssued': {
      const p = e.payload;
      out.add('notice', {
        notice_id: e.eventId, customer_id, notice_type: p.noticeType, invoice_id: p.invoiceId, order_id: p.orderId,
        stage: p.stage, as_of_date: date(p.asOfDate), due_date: p.dueDate === null ? null : date(p.dueDate),
        amount_minor: p.amount, currency: p.currency, language: p.language, recipient: p.recipient, subject: p.subject,
        occurred_at: at, causation_id: e.causationId,
      });
      return;
    }
    case 'NoticeDelivered': {
      const p = e.payload;
      out.add('noticeDelivery', {
        event_id: e.eventId, notice_id: p.noticeId, customer_id, outcome: 'SENT', notice_type: p.noticeType,
        recipient: p.recipient, attempts: p.attempts, failure: null, last_error: null, at: iso(p.deliveredAt),
      });
      return;
    }
    case 'NoticeDeliveryRetrying': {
      const p = e.payload;
      out.add('noticeDelivery', {
        event_id: e.eventId, notice_id: p.noticeId, customer_id, outcome: 'RETRYING', notice_type: p.noticeType,
        recipient: p.recipient, attempts: p.attempts, failure: p.failure, last_error: p.lastError, at: iso(p.failedAt),
      });
      return;
    }
    case 'NoticeDeliveryFailed': {
      const p = e.payload;
      out.add('noticeDelivery', {
        event_id: e.eventId, notice_id: p.noticeId, customer_id, outcome: 'DEAD', notice_type: p.noticeType,
        recipient: p.recipient, attempts: p.attempts, failure: p.permanent ? 'PERMANENT' : 'EXHAUSTED',
        last_error: p.lastError, at: iso(p.failedAt),
      });
      return;
    }
    default: {
      const unhandled: never = e;
      throw new TypeError(`no rows for event type ${(unhandled as SinkEvent).eventType}`);
    }
  }
}
