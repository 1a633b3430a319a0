// A notice as the core decides it: what it is about (its facts), to whom, in which language, and its deterministic id.
import type { NoticeType } from '../../../../shared/contracts/events.generated.ts';
import { deriveEventId } from '../../../../shared/ids.ts';

export type { NoticeType } from '../../../../shared/contracts/events.generated.ts';

export const NOTICE_TYPES = ['PAYMENT_REMINDER', 'OVERDUE_NOTICE', 'TERMS_CHANGED', 'LIMIT_CHANGED', 'CREDIT_HOLD', 'PROMISE_BROKEN'] as const satisfies readonly NoticeType[];
/** Languages with templates. */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

export type NoticeFacts =
  | { type: 'PAYMENT_REMINDER'; invoiceId: string; amount: number; currency: string; dueDate: number; daysBefore: number }
  | { type: 'OVERDUE_NOTICE'; invoiceId: string; stage: string; amount: number; currency: string; dueDate: number; daysPastDue: number }
  | { type: 'TERMS_CHANGED'; fromDays: number; toDays: number }
  | { type: 'LIMIT_CHANGED'; from: number; to: number; currency: string }
  | { type: 'CREDIT_HOLD'; orderId: string; amount: number; currency: string; reasons: readonly string[] }
  /** dueDate is the promised date, so the envelope carries it where the invoices' notices carry theirs. */
  | { type: 'PROMISE_BROKEN'; promiseId: string; amount: number; paid: number; currency: string; dueDate: number };

export interface Notice {
  noticeId: string;
  customerId: string;
  /** Event time of the input that made it due. */
  occurredAt: number;
  /** The input that made it due; null when a business date did. */
  causationId: string | null;
  asOfDate: number;
  facts: NoticeFacts;
  recipient: string | null;
  language: Language;
  subject: string;
  body: string;
}

/**
 * The business key of a notice: one per invoice (reminder), per invoice and dunning stage (overdue), per order
 * (credit hold), per promise (broken); a profile change's notices are keyed by the profile event. Whatever input makes it due, a replay or
 * a second event for the same stage gives the same key.
 */
export function noticeKey(f: NoticeFacts, profileEventId?: string): string {
  switch (f.type) {
    case 'PAYMENT_REMINDER':
      return `R|${f.invoiceId}`;
    case 'OVERDUE_NOTICE':
      return `O|${f.invoiceId}|${f.stage}`;
    case 'CREDIT_HOLD':
      return `H|${f.orderId}`;
    case 'PROMISE_BROKEN':
      return `B|${f.promiseId}`;
    case 'TERMS_CHANGED':
    case 'LIMIT_CHANGED':
      return `${f.type === 'TERMS_CHANGED' ? 'T' : 'L'}|${profileEventId}`;
  }
}

/** The notice id: a UUID v5 of the customer and the notice's business key (also its e-mail's Message-ID). */
export const noticeIdOf = (customerId: string, key: string): string => deriveEventId(customerId, 'notice', key);
