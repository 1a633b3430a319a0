// The BatchProcessor's toDlq: an input the core rejects goes to the DLQ byte for byte, as the stateful kit's one
// dead letter (shared/stateful/rejected-letter.ts); the domain's record is the runner's ConsumedRecord.
import { rejectedRecordLetter as letter } from '../../../../shared/stateful/rejected-letter.ts';
import type { InputRecord } from './exposure-domain.ts';

export const rejectedRecordLetter = (dlqTopic: string, service: string, now: () => Date) =>
  letter<InputRecord>(dlqTopic, service, now);
