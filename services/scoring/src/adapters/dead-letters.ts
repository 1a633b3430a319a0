// Inputs the core rejects (an invoice issued twice, a payment received twice, a reserved customer id) go to the
// DLQ byte for byte, as the stateful kit's one dead letter (shared/stateful/rejected-letter.ts).
import { rejectedRecordLetter as letter } from '../../../../shared/stateful/rejected-letter.ts';
import type { InputRecord } from './partition-domain.ts';

export const rejectedRecordLetter = (dlqTopic: string, service: string, now: () => Date) =>
  letter<InputRecord>(dlqTopic, service, now);
