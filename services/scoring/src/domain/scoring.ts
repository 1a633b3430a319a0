// The scoring core's steps for one customer: an input applied at the partition's as-of date, or a new business
// date. Each step assesses the customer and says what to publish: a score when the assessment changed (or an
// invoice was issued, with the risk as it stood just before it), and a review-due event when a review rule fires.
import { deriveEventId } from '../../../../shared/ids.ts';
import { dayOf, startOfDay } from '../../../../shared/time.ts';
import { assess, type Assessment } from './assess.ts';
import type { RiskClass, ScoringPolicy } from './policy.ts';
import { applyInput, checkInput, emptyState, forget, type CustomerState, type ScoringInput } from './state.ts';

export const SOURCE = 'scoring';

export type ReviewReason = 'SCORE_DROP' | 'CLASS_WORSENED' | 'HIGH_UTILISATION' | 'LIMIT_NOT_REVIEWED';

export interface ReviewState {
  /** Highest score since the last review. */
  peakScore: number | null;
  lastClass: RiskClass | null;
  /** First day of the current run of utilisation above the threshold. */
  highUtilisationSince: number | null;
  /** The current run already raised its review. */
  highUtilisationReviewed: boolean;
  /** Last day LIMIT_NOT_REVIEWED fired. */
  limitReviewDueDay: number | null;
}

export interface CustomerEntity {
  s: CustomerState;
  /** The last assessment published. */
  last: Assessment | null;
  review: ReviewState;
}

/** The risk of an invoice as it stood just before it was issued (inputs strictly before it). */
export interface RiskAtIssue {
  invoiceId: string;
  score: number | null;
  probabilityBp: number;
  riskClass: RiskClass;
}

export interface ScoreOut {
  kind: 'score';
  eventId: string;
  occurredAt: number;
  causationId: string | null;
  assessment: Assessment;
  issuedInvoice: RiskAtIssue | null;
}

export interface ReviewOut {
  kind: 'review';
  eventId: string;
  occurredAt: number;
  causationId: string | null;
  reasons: ReviewReason[];
  assessment: Assessment;
  previousScore: number | null;
  previousClass: RiskClass | null;
  limitSetDay: number | null;
}

export type ScoringOut = ScoreOut | ReviewOut;

export interface StepResult {
  entity: CustomerEntity;
  out: ScoringOut[];
  /** Why the input was not applied (it goes to the DLQ). */
  rejected?: string;
}

export const emptyEntity = (): CustomerEntity => ({
  s: emptyState(),
  last: null,
  review: { peakScore: null, lastClass: null, highUtilisationSince: null, highUtilisationReviewed: false, limitReviewDueDay: null },
});

/** The day an input is assessed at: the partition's as-of date, or the input's own day when later. */
export const assessDay = (e: ScoringInput, clockDay: number | null): number => Math.max(clockDay ?? -Infinity, dayOf(e.occurredAt));

/** Applies a customer's input and assesses the customer at `assessDay`. */
export function onInput(entity: CustomerEntity | undefined, e: ScoringInput, clockDay: number | null, p: ScoringPolicy): StepResult {
  const before = entity ?? emptyEntity();
  const problem = checkInput(before.s, e);
  if (problem !== null) return { entity: before, out: [], rejected: problem };
  const day = assessDay(e, clockDay);
  let issuedInvoice: RiskAtIssue | null = null;
  if (e.eventType === 'InvoiceIssued') {
    const a = assess(before.s, day, p);
    issuedInvoice = { invoiceId: e.payload.invoiceId, score: a.score, probabilityBp: a.probabilityBp, riskClass: a.riskClass };
  }
  const s = applyInput(before.s, e, p.historyDays);
  return step({ ...before, s }, day, p, { eventId: deriveEventId(e.eventId, 'CreditScoreUpdated'), causationId: e.eventId, occurredAt: e.occurredAt }, {
    eventId: deriveEventId(e.eventId, 'CreditReviewDue'),
    issuedInvoice,
  });
}

/** The business date moved to `day`: the customer is assessed again (time alone moves windows and weights). */
export function onDay(entity: CustomerEntity, customerId: string, day: number, p: ScoringPolicy): StepResult {
  const s = forget(entity.s, day, p.historyDays);
  return step({ ...entity, s }, day, p, {
    eventId: deriveEventId(customerId, 'CreditScoreUpdated', day),
    causationId: null,
    occurredAt: startOfDay(day),
  }, { eventId: deriveEventId(customerId, 'CreditReviewDue', day), issuedInvoice: null });
}

/** Everything but the as-of date: a score is published when this changes. */
const content = (a: Assessment) => JSON.stringify({ ...a, asOfDate: 0 });

function step(
  entity: CustomerEntity,
  day: number,
  p: ScoringPolicy,
  score: { eventId: string; causationId: string | null; occurredAt: number },
  extra: { eventId: string; issuedInvoice: RiskAtIssue | null },
): StepResult {
  const a = assess(entity.s, day, p);
  const out: ScoringOut[] = [];
  if (extra.issuedInvoice !== null || entity.last === null || content(entity.last) !== content(a)) {
    out.push({ kind: 'score', ...score, assessment: a, issuedInvoice: extra.issuedInvoice });
  }
  const { review, reasons } = reviewsDue(entity, a, day, p);
  if (reasons.length > 0) {
    out.push({
      kind: 'review',
      eventId: extra.eventId,
      occurredAt: score.occurredAt,
      causationId: score.causationId,
      reasons,
      assessment: a,
      previousScore: entity.last?.score ?? null,
      previousClass: entity.review.lastClass,
      limitSetDay: entity.s.profile?.limitSetDay ?? null,
    });
  }
  const last = out.some((o) => o.kind === 'score') ? a : entity.last;
  return { entity: { s: entity.s, last, review }, out };
}

/**
 * The review rules: the score fell by reviewScoreDrop below its highest since the last review; the class worsened;
 * utilisation stayed above reviewUtilisationBp for reviewUtilisationDays (once per run); the limit was not changed
 * for reviewLimitAgeDays (again every reviewLimitAgeDays while it is not).
 */
export function reviewsDue(entity: CustomerEntity, a: Assessment, day: number, p: ScoringPolicy): { review: ReviewState; reasons: ReviewReason[] } {
  const r = { ...entity.review };
  const reasons: ReviewReason[] = [];
  if (a.score !== null) {
    if (r.peakScore !== null && r.peakScore - a.score >= p.reviewScoreDrop) reasons.push('SCORE_DROP');
    r.peakScore = Math.max(r.peakScore ?? a.score, a.score);
  }
  if (r.lastClass !== null && a.riskClass > r.lastClass) reasons.push('CLASS_WORSENED');
  r.lastClass = a.riskClass;
  if (a.utilisationBp > p.reviewUtilisationBp) {
    r.highUtilisationSince ??= day;
    if (!r.highUtilisationReviewed && day - r.highUtilisationSince >= p.reviewUtilisationDays) {
      reasons.push('HIGH_UTILISATION');
      r.highUtilisationReviewed = true;
    }
  } else {
    r.highUtilisationSince = null;
    r.highUtilisationReviewed = false;
  }
  const profile = entity.s.profile;
  if (profile) {
    const since = Math.max(profile.limitSetDay, r.limitReviewDueDay ?? -Infinity);
    if (day - since >= p.reviewLimitAgeDays) {
      reasons.push('LIMIT_NOT_REVIEWED');
      r.limitReviewDueDay = day;
    }
  }
  if (reasons.length > 0) r.peakScore = a.score;
  return { review: r, reasons };
}
