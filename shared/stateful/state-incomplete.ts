// o2c_<service>_state_incomplete{partition}: 1 while a partition's state is incomplete (rebuilt from a log that had
// lost records it never applied), 0 once it is known complete. Fed by the BatchProcessor's onStateIncomplete.
import { Gauge, type Registry } from 'prom-client';

export function stateIncompleteGauge(registry: Registry, service: string): (partition: number, incomplete: boolean) => void {
  const gauge = new Gauge({
    name: `o2c_${service}_state_incomplete`,
    help: 'Partitions whose state was rebuilt from a log missing records it never applied (1), until an operator restores it.',
    labelNames: ['partition'],
    registers: [registry],
  });
  return (partition, incomplete) => gauge.set({ partition: String(partition) }, incomplete ? 1 : 0);
}

/** The compacted topics of a list: a log start above 0 loses nothing of them (every key's latest record is kept). */
export function compactedTopics(topics: ReadonlyArray<{ name: string; cleanupPolicy: string }>): ReadonlySet<string> {
  return new Set(topics.filter((t) => t.cleanupPolicy === 'compact').map((t) => t.name));
}
