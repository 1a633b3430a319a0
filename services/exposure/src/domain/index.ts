// The pure exposure core: per-customer state, one input at a time, derived credit-hold and exposure events.
export { applyEvent, type ApplyOptions, type ApplyResult } from './apply.ts';
export type { Collection, DocumentCollection, DocumentWrite } from './draft.ts';
export {
  ACTOR_ROLES,
  creditPolicy,
  NO_CLASS_POLICY,
  RISK_CLASSES,
  DEFAULT_AUTHORITY,
  DEFAULT_RETENTION_MS,
  DELINQUENCY_LADDER,
  RISK_CLASS_SOURCES,
  type AuthorityMatrix,
  type ClassPolicy,
  type CreditPolicy,
  type RiskClassSource,
  type RoleAuthority,
} from './policy.ts';
export { authorityRefusal, type Refusal } from './credit-actions.ts';
export {
  emptyState,
  type CreditProfile,
  type CustomerState,
  type FxOrigin,
  type FxParked,
  type InvoiceDoc,
  type OrderDoc,
  type OrderStatus,
  type ParkedAction,
  type PaymentDoc,
  type Totals,
} from './state.ts';
export { exposureOf, openValue } from './components.ts';
export { limitAt, pendingExpiry, utilizationBasisPoints, type Limit } from './limits.ts';
export { pendingOldestItemOverdue } from './oldest-item.ts';
export { converterAt, documentDay, FX_PIVOT, legRate, minorUnitExponent, NO_RATES, roundHalfEven, withRate, type Converter, type FxRates } from './fx.ts';
export { earliestParkedDay, hasRevaluable } from './fx-parking.ts';
export { SOURCE, type DerivedEvent, type ExposureInput, type Rejection } from './types.ts';
export {
  applyGroupRecord,
  creditAccountOf,
  emptyGroup,
  groupSnapshotOf,
  routeInput,
  type GroupEvent,
  type GroupRecord,
  type GroupResult,
  type GroupState,
  type Routed,
} from './group.ts';
export type { GroupRoom } from './policy.ts';
