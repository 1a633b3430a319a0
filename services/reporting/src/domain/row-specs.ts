// Where each kind of row lands and how a row meets the one already there. This table is the contract between the
// pure mapping (to-row-ops.ts, which also merges rows of one batch by these rules) and the SQL writer (which turns
// each spec into one multi-row INSERT ... ON CONFLICT): both read the same rules, so collapsing a batch in memory and
// writing its events one by one end in the same rows.

export type Cell = string | number | boolean | null | readonly string[];
export type Row = Readonly<Record<string, Cell>>;

export type Conflict =
  /** History: the first row with a key stays (a redelivered event changes nothing). */
  | { kind: 'ignore' }
  /**
   * Current state: `set` columns are overwritten when the row's `version` is newer than or equal to the stored one
   * (equal: the later record of the partition wins); `fill` columns keep their first non-null value.
   */
  | { kind: 'upsert'; version: string | null; set: readonly string[]; fill: readonly string[] };

export interface RowSpec {
  table: string;
  key: readonly string[];
  /** Every column a row of this kind carries, in INSERT order. */
  columns: readonly string[];
  conflict: Conflict;
}

const upsert = (
  table: string,
  key: readonly string[],
  version: string,
  set: readonly string[],
  fill: readonly string[],
): RowSpec => ({ table, key, columns: [...key, ...fill, ...set, version], conflict: { kind: 'upsert', version, set, fill } });

const fillOnly = (table: string, key: readonly string[], fill: readonly string[]): RowSpec => ({
  table,
  key,
  columns: [...key, ...fill],
  conflict: { kind: 'upsert', version: null, set: [], fill },
});

const history = (table: string, key: readonly string[], columns: readonly string[]): RowSpec => ({
  table,
  key,
  columns: [...key, ...columns],
  conflict: { kind: 'ignore' },
});

// Statement order within a batch: orders' decisions in lifecycle order, so a hold and its release carrying the same
// timestamp in one batch end RELEASED, as they would one by one.
export const ROW_SPECS = {
  customerProfile: upsert('reporting.customers', ['customer_id'], 'profile_at',
    ['currency', 'credit_limit_minor', 'temp_limit_minor', 'temp_limit_expires_at', 'risk_class',
      'payment_terms_days', 'manual_hold', 'parent_customer_id'], []),
  customerExposure: upsert('reporting.customers', ['customer_id'], 'exposure_at',
    ['exposure_minor', 'open_orders_minor', 'open_ar_minor', 'unapplied_cash_minor', 'held_orders_minor',
      'held_order_count', 'effective_limit_minor', 'utilization', 'on_hold'], ['currency']),
  customerDelinquency: upsert('reporting.customers', ['customer_id'], 'delinquency_at',
    ['delinquency_status', 'worst_dpd', 'overdue_minor'], []),
  customerScore: upsert('reporting.customers', ['customer_id'], 'score_at',
    ['score', 'late_probability', 'scored_risk_class', 'proposed_limit_minor', 'segment', 'size_band'], []),

  orderAmount: upsert('reporting.orders', ['order_id'], 'amount_at', ['amount_minor'],
    ['customer_id', 'currency', 'placed_at']),
  orderCancelled: fillOnly('reporting.orders', ['order_id'], ['customer_id', 'cancelled_at']),
  orderDecided: upsert('reporting.orders', ['order_id'], 'decision_at',
    ['decision', 'reasons', 'decided_at', 'released_at', 'rejected_at', 'held_ms'], ['customer_id', 'currency']),
  orderReleased: upsert('reporting.orders', ['order_id'], 'decision_at',
    ['decision', 'released_at', 'held_ms'], ['customer_id', 'currency']),
  orderRejected: upsert('reporting.orders', ['order_id'], 'decision_at',
    ['decision', 'rejected_at', 'held_ms'], ['customer_id', 'currency']),

  invoiceIssued: fillOnly('reporting.invoices', ['invoice_id'],
    ['customer_id', 'order_id', 'currency', 'amount_minor', 'issued_at', 'due_at']),
  invoiceVoided: fillOnly('reporting.invoices', ['invoice_id'], ['customer_id', 'voided_at', 'void_reason']),
  invoiceAdjustment: history('reporting.invoice_adjustments', ['adjustment_id'],
    ['event_id', 'invoice_id', 'customer_id', 'amount_minor', 'currency', 'adjusted_on', 'reason', 'occurred_at']),
  disputeOpened: fillOnly('reporting.invoice_disputes', ['dispute_id'],
    ['invoice_id', 'customer_id', 'opened_at', 'reason']),
  disputeResolved: fillOnly('reporting.invoice_disputes', ['dispute_id'],
    ['invoice_id', 'customer_id', 'resolved_at', 'outcome']),

  payment: history('reporting.payments', ['event_id'],
    ['payment_id', 'customer_id', 'event_type', 'amount_minor', 'currency', 'allocated_minor', 'business_date',
      'reason', 'occurred_at']),
  paymentAllocation: history('reporting.payment_allocations', ['payment_id', 'line'],
    ['invoice_id', 'customer_id', 'amount_minor', 'received_on']),

  creditEvent: history('reporting.credit_events', ['event_id'],
    ['customer_id', 'event_type', 'occurred_at', 'order_id', 'amount_minor', 'currency', 'reasons', 'release_type',
      'held_ms', 'trigger_type', 'actor', 'reason', 'exposure_minor', 'effective_limit_minor', 'shortfall_minor',
      'held_orders_minor', 'utilization_bp', 'band_percent']),
  delinquencyEvent: history('reporting.delinquency_events', ['event_id'],
    ['customer_id', 'event_type', 'occurred_at', 'invoice_id', 'as_of_date', 'days_past_due', 'open_minor',
      'currency', 'from_state', 'to_state', 'stage', 'cure', 'days_late', 'overdue_minor', 'overdue_count']),
  auditEntry: history('reporting.audit_log', ['event_id'],
    ['occurred_at', 'customer_id', 'event_type', 'action', 'actor', 'actor_role', 'reason', 'order_id', 'currency',
      'credit_limit_minor', 'temp_limit_minor', 'temp_limit_expires_at', 'risk_class', 'payment_terms_days',
      'manual_hold', 'outcome', 'causation_id', 'refusal', 'over_limit_minor', 'authority_limit_minor', 'shortfall_minor',
      'previous_currency', 'previous_credit_limit_minor', 'previous_temp_limit_minor', 'previous_temp_limit_expires_at',
      'previous_risk_class', 'previous_payment_terms_days', 'previous_manual_hold']),
  creditScore: history('reporting.credit_scores', ['event_id'],
    ['customer_id', 'occurred_at', 'as_of_date', 'score', 'late_probability', 'risk_class', 'factors',
      'proposed_limit_minor', 'limit_reason', 'current_limit_minor', 'currency', 'utilisation', 'segment', 'size_band',
      'annual_sales_minor', 'model_version']),
  invoiceRiskAtIssue: history('reporting.invoice_risk_at_issue', ['invoice_id'],
    ['customer_id', 'event_id', 'issued_at', 'as_of_date', 'score', 'late_probability', 'risk_class', 'model_version']),
  creditReview: history('reporting.credit_reviews', ['event_id'],
    ['customer_id', 'occurred_at', 'as_of_date', 'reasons', 'score', 'previous_score', 'risk_class',
      'previous_risk_class', 'utilisation', 'current_limit_minor', 'proposed_limit_minor', 'currency',
      'limit_set_date']),
  promiseRecorded: fillOnly('reporting.promises_to_pay', ['customer_id', 'promise_id'],
    ['amount_minor', 'currency', 'promised_date', 'recorded_by', 'recorded_by_role', 'note', 'recorded_at']),
  promiseOutcome: fillOnly('reporting.promises_to_pay', ['customer_id', 'promise_id'],
    ['amount_minor', 'currency', 'promised_date', 'outcome', 'paid_minor', 'outcome_date', 'outcome_at']),
  notice: history('reporting.notices', ['notice_id'],
    ['customer_id', 'notice_type', 'invoice_id', 'order_id', 'stage', 'as_of_date', 'due_date', 'amount_minor', 'currency',
      'language', 'recipient', 'subject', 'occurred_at', 'causation_id']),
  noticeDelivery: history('reporting.notice_deliveries', ['event_id'],
    ['notice_id', 'customer_id', 'outcome', 'notice_type', 'recipient', 'attempts', 'failure', 'last_error', 'at']),
  exposureHistory: history('reporting.exposure_history', ['event_id'],
    ['customer_id', 'at', 'currency', 'exposure_minor', 'limit_minor', 'credit_limit_minor', 'open_orders_minor',
      'open_ar_minor', 'unapplied_cash_minor', 'held_orders_minor', 'utilization', 'on_hold']),
  groupExposure: upsert('reporting.group_exposure', ['group_id'], 'exposure_at',
    ['currency', 'exposure_minor', 'open_orders_minor', 'open_ar_minor', 'unapplied_cash_minor', 'held_orders_minor',
      'held_order_count', 'group_limit_minor', 'utilization', 'member_count', 'over_limit'], []),
  groupExposureHistory: history('reporting.group_exposure_history', ['event_id'],
    ['group_id', 'at', 'currency', 'exposure_minor', 'group_limit_minor', 'held_orders_minor', 'utilization',
      'member_count', 'over_limit']),
} as const satisfies Record<string, RowSpec>;

export type RowKind = keyof typeof ROW_SPECS;
export const ROW_KINDS = Object.keys(ROW_SPECS) as RowKind[];
