// Inputs the core rejects (an invoice issued twice, a payment received twice, a reserved customer id) go to the
// DLQ byte for byte, with the runner's headers naming source, service and reason (shared/kafka/dlq.ts).
import { PoisonRecordError } from '../../../../shared/errors.ts';
import { toDlqMessage } from '../../../../shared/kafka/dlq.ts';
import type { OutboxRecord } from '../../../../shared/redis/partition-store.ts';
import type { Rejection, SourceRecord } from '../../../../shared/stateful/batch-processor.ts';
import type { InputRecord } from './partition-domain.ts';

export function rejectedRecordLetter(dlqTopic: string, service: string, now: () => Date) {
  return (r: SourceRecord<InputRecord>, rejection: Rejection): OutboxRecord => {
    const c = r.event;
    const message = toDlqMessage(
      {
        topic: c.topic,
        partition: c.partition,
        offset: c.offset,
        timestamp: String(c.timestamp),
        key: c.key,
        value: c.value,
        headers: c.headers,
        error: new PoisonRecordError(rejection.errorClass, rejection.message),
      },
      service,
      now(),
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      if (value === undefined) continue;
      headers[name] = (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
    }
    return { topic: dlqTopic, partition: c.partition, key: c.key?.toString() ?? '', value: c.value ?? Buffer.alloc(0), headers };
  };
}
