// The core's outputs as the envelopes of o2c.credit-scores.v1 and o2c.credit-reviews.v1.
import type { CreditReviewEvent, CreditScoreEvent } from '../../../../shared/contracts/events.generated.ts';
import { SOURCE, type ReviewOut, type ScoreOut, type ScoringOut } from '../domain/index.ts';

export function scoreEvent(customerId: string, o: ScoreOut): CreditScoreEvent {
  const a = o.assessment;
  return {
    eventId: o.eventId,
    eventType: 'CreditScoreUpdated',
    occurredAt: o.occurredAt,
    customerId,
    source: SOURCE,
    causationId: o.causationId,
    payload: {
      asOfDate: a.asOfDate,
      score: a.score,
      probabilityBp: a.probabilityBp,
      riskClass: a.riskClass,
      factors: a.factors.map((f) => ({ factor: f.factor, value: f.value, contribution: f.contribution })),
      proposedLimit: a.proposedLimit,
      limitReason: a.limitReason,
      currentLimit: a.currentLimit,
      currency: a.currency,
      utilisationBp: a.utilisationBp,
      segment: a.segment,
      sizeBand: a.sizeBand,
      annualSales: a.annualSales,
      modelVersion: a.modelVersion,
      issuedInvoice: o.issuedInvoice,
    },
  };
}

export function reviewEvent(customerId: string, o: ReviewOut): CreditReviewEvent {
  const a = o.assessment;
  return {
    eventId: o.eventId,
    eventType: 'CreditReviewDue',
    occurredAt: o.occurredAt,
    customerId,
    source: SOURCE,
    causationId: o.causationId,
    payload: {
      asOfDate: a.asOfDate,
      reasons: o.reasons,
      score: a.score,
      previousScore: o.previousScore,
      riskClass: a.riskClass,
      previousRiskClass: o.previousClass,
      utilisationBp: a.utilisationBp,
      currentLimit: a.currentLimit,
      proposedLimit: a.proposedLimit,
      currency: a.currency,
      limitSetDate: o.limitSetDay,
    },
  };
}

export const toEvent = (customerId: string, o: ScoringOut): CreditScoreEvent | CreditReviewEvent =>
  o.kind === 'score' ? scoreEvent(customerId, o) : reviewEvent(customerId, o);
