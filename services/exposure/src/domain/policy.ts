// The credit policy the decisions are made under: passed in, never read from the environment, so the same
// history under the same policy always gives the same decisions.
import type { ActorRole, DelinquencyStatus } from '../../../../shared/contracts/events.generated.ts';

/** Delinquency statuses from best to worst; a status holds new orders when it ranks at or above the policy level. */
export const DELINQUENCY_LADDER: readonly DelinquencyStatus[] = ['CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE'];

/** Where a customer's risk class comes from. */
export const RISK_CLASS_SOURCES = ['profile', 'scoring'] as const;
export type RiskClassSource = (typeof RISK_CLASS_SOURCES)[number];

/** Every role a credit action may carry, least authority first. */
export const ACTOR_ROLES: readonly ActorRole[] = ['VIEWER', 'CREDIT_CONTROLLER', 'CREDIT_MANAGER', 'ADMIN'];

/** What one role may do with a held order. */
export interface RoleAuthority {
  readonly release: boolean;
  readonly reject: boolean;
  /**
   * How far over its effective limit (minor units of the customer's credit currency) a release may leave the
   * customer: exposure + the order - effective limit. 0: only releases that fit the limit.
   */
  readonly maxOverLimit: number;
}

/** The authority matrix: every role's authority; a role the matrix gives nothing (or no role) may not act. */
export type AuthorityMatrix = Readonly<Record<ActorRole, RoleAuthority>>;

const NONE: RoleAuthority = Object.freeze({ release: false, reject: false, maxOverLimit: 0 });

/**
 * Without CREDIT_POLICY_FILE: a controller releases up to 10,000.00 over the limit, a manager up to 100,000.00,
 * above that nobody; viewers read only, and an administrator manages users, not credit (segregation of duties).
 */
export const DEFAULT_AUTHORITY: AuthorityMatrix = Object.freeze({
  VIEWER: NONE,
  CREDIT_CONTROLLER: Object.freeze({ release: true, reject: true, maxOverLimit: 1_000_000 }),
  CREDIT_MANAGER: Object.freeze({ release: true, reject: true, maxOverLimit: 10_000_000 }),
  ADMIN: NONE,
});

/**
 * What the policy says for customers of one risk class (or, as `classDefaults`, for those without a class or of a
 * class the policy does not list). Each check is off when its field is null (false for holdAll).
 */
export interface ClassPolicy {
  /** The limit of a customer without a credit profile (no explicit limit); null: none, NO_PROFILE_HOLD decides. */
  readonly defaultLimit: number | null;
  /** An order whose amount is above this (minor units) is held MAX_DOCUMENT_VALUE; an amendment too. */
  readonly maxDocumentValue: number | null;
  /** Hold every order of the class (RISK_CLASS), as RISK_HOLD_CLASSES does. */
  readonly holdAll: boolean;
  /** Hold (OLDEST_ITEM_OVERDUE) while the oldest open invoice is more than this many days past due. */
  readonly oldestItemMaxDaysPastDue: number | null;
}

/** No per-class rule at all: the policy of every class before class policies existed. */
export const NO_CLASS_POLICY: ClassPolicy = Object.freeze({
  defaultLimit: null,
  maxDocumentValue: null,
  holdAll: false,
  oldestItemMaxDaysPastDue: null,
});

/** The risk classes a profile or a score gives (A best, E worst). */
export const RISK_CLASSES = ['A', 'B', 'C', 'D', 'E'] as const;

export interface CreditPolicy {
  /** Stamped on every decision so an explanation names the rules it was made under. */
  readonly policyVersion: string;
  /** A customer with no credit profile: hold its orders (NO_CREDIT_PROFILE), or approve them without a limit. */
  readonly noProfileHold: boolean;
  /** Risk classes whose orders are held (RISK_CLASS). */
  readonly riskHoldClasses: readonly string[];
  /** Where the customer's risk class comes from: its credit profile, or its latest credit score (services/scoring). */
  readonly riskClassSource: RiskClassSource;
  /** New orders are held (OVERDUE) while the customer's delinquency status is at or above this level. */
  readonly overdueHoldLevel: DelinquencyStatus;
  /** Utilisation bands in percent, ascending; crossing one upward raises a CreditUtilizationWarning. */
  readonly warningBands: readonly number[];
  /** Per risk class: default limit, maximum order value, hold-all and the oldest-item check (class-policy.ts). */
  readonly classes: Readonly<Record<string, ClassPolicy>>;
  /** The same for customers without a risk class, or of a class `classes` does not list. */
  readonly classDefaults: ClassPolicy;
  /** Who may release or reject a held order, and how far over the limit a release may go. */
  readonly authority: AuthorityMatrix;
  /** How long (event time) a closed document is kept to recognise duplicates and late references. */
  readonly retentionMs: number;
  /**
   * Not configured: set by the adapter for a partition whose state was rebuilt from a log that had lost records
   * (retention). Its state may lack documents, so every new order is held (STATE_INCOMPLETE) until it is restored.
   */
  readonly stateIncomplete?: boolean;
  /**
   * FX_REVALUE: open documents in another currency are revalued at each later rate of their currency (fx-parking.ts,
   * `revalueDocuments`); absent or false, a document keeps the rate of its own day.
   */
  readonly fxRevalue?: boolean;
  /**
   * Not configured: set by the group core (group.ts) for an input of a corporate group's customer. An order is held
   * GROUP_OVER_LIMIT, and not released, unless the group's exposure with it stays within the group limit.
   */
  readonly groupRoom?: GroupRoom;
}

/** A corporate group as one member's decision sees it: the group limit and the exposure of every other member. */
export interface GroupRoom {
  /** The parent's effective limit. */
  readonly limit: number;
  /** The sum of the other members' exposures (the parent included when it is not this customer). */
  readonly others: number;
}

export const DEFAULT_RETENTION_MS = 90 * 86_400_000;

/** A validated, frozen policy; throws RangeError naming the field that is wrong. */
export function creditPolicy(fields: Partial<CreditPolicy> & Pick<CreditPolicy, 'policyVersion'>): CreditPolicy {
  const policy: CreditPolicy = {
    noProfileHold: true,
    riskHoldClasses: ['E'],
    riskClassSource: 'profile',
    overdueHoldLevel: 'DELINQUENT',
    warningBands: [80, 90, 100],
    retentionMs: DEFAULT_RETENTION_MS,
    authority: DEFAULT_AUTHORITY,
    classes: {},
    classDefaults: NO_CLASS_POLICY,
    ...fields,
  };
  if (policy.policyVersion.length === 0) throw new RangeError('policyVersion must not be empty');
  if (!DELINQUENCY_LADDER.includes(policy.overdueHoldLevel)) {
    throw new RangeError(`overdueHoldLevel must be one of ${DELINQUENCY_LADDER.join(', ')}`);
  }
  policy.warningBands.forEach((band, i) => {
    if (!Number.isInteger(band) || band <= 0 || (i > 0 && band <= policy.warningBands[i - 1]!)) {
      throw new RangeError('warningBands must be ascending positive integers');
    }
  });
  if (!RISK_CLASS_SOURCES.includes(policy.riskClassSource)) {
    throw new RangeError(`riskClassSource must be one of ${RISK_CLASS_SOURCES.join(', ')}`);
  }
  if (!(policy.retentionMs > 0)) throw new RangeError('retentionMs must be > 0');
  for (const role of ACTOR_ROLES) {
    const a = policy.authority[role];
    if (a === undefined) throw new RangeError(`authority.${role} is missing`);
    if (!Number.isSafeInteger(a.maxOverLimit) || a.maxOverLimit < 0) {
      throw new RangeError(`authority.${role}.maxOverLimit must be a non-negative integer`);
    }
  }
  for (const [name, c] of [...Object.entries(policy.classes).map(([k, v]) => [`classes.${k}`, v] as const), ['classDefaults', policy.classDefaults] as const]) {
    for (const field of ['defaultLimit', 'maxDocumentValue', 'oldestItemMaxDaysPastDue'] as const) {
      const v = c[field];
      if (v !== null && (!Number.isSafeInteger(v) || v < 0)) throw new RangeError(`${name}.${field} must be a non-negative integer or null`);
    }
  }
  const freezeClass = (c: ClassPolicy): ClassPolicy => Object.freeze({ ...NO_CLASS_POLICY, ...c });
  return Object.freeze({
    ...policy,
    classes: Object.freeze(Object.fromEntries(Object.entries(policy.classes).map(([k, v]) => [k, freezeClass(v)]))),
    classDefaults: freezeClass(policy.classDefaults),
    authority: Object.freeze(Object.fromEntries(ACTOR_ROLES.map((r) => [r, Object.freeze({ ...policy.authority[r] })]))) as AuthorityMatrix,
    riskHoldClasses: Object.freeze([...policy.riskHoldClasses]),
    warningBands: Object.freeze([...policy.warningBands]),
  });
}
