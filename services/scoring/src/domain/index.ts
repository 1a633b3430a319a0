// The pure scoring core: no I/O, no wall clock; the adapter passes the as-of date and the policy in.
export { PAYDEX_KEY, PAYDEX_MIN_INVOICES, PAYDEX_WINDOW_DAYS, inPaydexWindow, paydexMean, paydexScore, pointsFor, type SettledInvoice } from './paydex.ts';
export { applyInput, checkInput, emptyState, forget, inputDay, type CustomerState, type InvoiceState, type Profile, type ScoringInput } from './state.ts';
export { featuresOf, type Features } from './features.ts';
export { predict, predictWith, termValues, TERM_NAMES, MODEL_VERSION, type Factor, type Prediction, type Term } from './probability.ts';
export { assess, riskClassOf, proposedLimitOf, segmentOf, sizeBandOf, type Assessment, type BehaviourSegment, type SizeBand } from './assess.ts';
export { defaultPolicy, validatePolicy, RISK_CLASSES, type RiskClass, type ScoringPolicy } from './policy.ts';
export {
  assessDay,
  emptyEntity,
  onDay,
  onInput,
  reviewsDue,
  SOURCE,
  type CustomerEntity,
  type ReviewOut,
  type ReviewReason,
  type ReviewState,
  type RiskAtIssue,
  type ScoreOut,
  type ScoringOut,
  type StepResult,
} from './scoring.ts';
export { ScoringReplay, type ReplayOutput, type StreamEvent } from './replay.ts';
