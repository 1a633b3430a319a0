// The pure notifications core: no I/O, no wall clock; the adapter passes the business date and the policy in.
export { formatDate, formatMoney } from './format.ts';
export { LANGUAGES, NOTICE_TYPES, noticeIdOf, noticeKey, type Language, type Notice, type NoticeFacts, type NoticeType } from './notice.ts';
export { languageOf, nextWake, NOTICE_INPUTS, onDay, onInput, optedOut, type StepResult } from './notices.ts';
export { defaultPolicy, reminderLead, validatePolicy, type NotificationPolicy } from './policy.ts';
export { emptyState, type CustomerState, type NotificationInput, type OpenInvoice, type OpenPromise, type Profile } from './state.ts';
export { paidTowards, promiseKey, promiseOutcomeIdOf, type PromiseOutcome, type PromiseOutcomeKind } from './promises.ts';
export { render, type Rendered } from './templates.ts';
export { NotificationReplay, SOURCE, type ReplayOutput, type StreamEvent } from './replay.ts';
