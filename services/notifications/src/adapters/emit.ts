// The core's notices as the envelopes of o2c.notifications.v1, its promise outcomes as those of o2c.promise-outcomes.v1.
import type { NotificationEvent, PromiseOutcomeEvent } from '../../../../shared/contracts/events.generated.ts';
import { SOURCE, type Notice, type PromiseOutcome } from '../domain/index.ts';

export type NoticeEvent = Extract<NotificationEvent, { eventType: 'CustomerNoticeIssued' }>;

export function noticeEvent(n: Notice): NoticeEvent {
  const f = n.facts;
  return {
    eventId: n.noticeId,
    eventType: 'CustomerNoticeIssued',
    occurredAt: n.occurredAt,
    customerId: n.customerId,
    source: SOURCE,
    causationId: n.causationId,
    payload: {
      noticeType: f.type,
      invoiceId: 'invoiceId' in f ? f.invoiceId : null,
      orderId: f.type === 'CREDIT_HOLD' ? f.orderId : null,
      stage: f.type === 'OVERDUE_NOTICE' ? f.stage : null,
      asOfDate: n.asOfDate,
      dueDate: 'dueDate' in f ? f.dueDate : null,
      amount: f.type === 'LIMIT_CHANGED' ? f.to : 'amount' in f ? f.amount : null,
      currency: 'currency' in f ? f.currency : null,
      language: n.language,
      recipient: n.recipient,
      subject: n.subject,
      body: n.body,
    },
  };
}

export function promiseOutcomeEvent(o: PromiseOutcome): PromiseOutcomeEvent {
  const payload = { promiseId: o.promiseId, amount: o.amount, paid: o.paid, currency: o.currency, promisedDate: o.promisedDate, asOfDate: o.asOfDate };
  const envelope = { eventId: o.outcomeId, occurredAt: o.occurredAt, customerId: o.customerId, source: SOURCE, causationId: o.causationId };
  return o.kind === 'PromiseKept' ? { ...envelope, eventType: 'PromiseKept', payload } : { ...envelope, eventType: 'PromiseBroken', payload };
}
