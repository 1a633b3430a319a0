// The pure delinquency core: no I/O, no wall clock; the adapter passes the as-of date and the policy in.
export { applyEvent, advanceTo } from './apply.ts';
export { nextDueDay, inputDay } from './clock.ts';
export type { CallOptions, DocumentCollection, DocumentWrite, Outcome, RejectedInput } from './draft.ts';
export { emptyState, balanceOf, type CustomerState, type InvoiceState, type PaymentState } from './state.ts';
export type { DatedInput, DelinquencyInput } from './state.ts';
export { defaultPolicy, validatePolicy, type DelinquencyPolicy, type DunningStep } from './policy.ts';
export { bucketOf, statusOf, daysPastDue } from './aging.ts';
export { SOURCE } from './emit.ts';
export {
  asOfDate,
  emptyWatermark,
  observeTick,
  observeWallClock,
  CLOCK_TOPICS,
  type ClockTopic,
  type Watermark,
} from './watermark.ts';
