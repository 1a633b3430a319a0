// The delinquency service's tests on the real stack: the shared sandbox (test/stateful-sandbox.ts) and its output.
import type { DelinquencyEvent } from '../../../shared/contracts/events.generated.ts';
import { readAll, type Sandbox } from '../../../test/stateful-sandbox.ts';

export * from '../../../test/stateful-sandbox.ts';

export async function readDelinquency(box: Sandbox): Promise<DelinquencyEvent[]> {
  const messages = await readAll(box.kafka, box.topics.DELINQUENCY.name);
  return Promise.all(messages.map((m) => box.serde.decode(box.topics.DELINQUENCY, m.value)));
}
