// The sink's own metrics, next to the shared ones (o2c_records_consumed_total{service="reporting"}, ...), and the
// shared commit histogram it observes (o2c_commit_duration_seconds: its transaction is the reporting commit).
import { Counter, Gauge, type Histogram, type Registry } from 'prom-client';
import { commitDurationOf, metricPrefix } from '../../../../shared/metrics.ts';

export interface SinkMetrics {
  rowsWritten: Counter<'topic'>;
  recordsSkipped: Counter<'topic'>;
  /** The shared o2c_commit_duration_seconds: one batch transaction in Postgres, BEGIN to COMMIT, rows and offsets. */
  commitDuration: Histogram;
  committedOffset: Gauge<'topic' | 'partition'>;
}

/** The sink's metrics; the per-topic counters of `topics` start at zero, so dashboards show 0 rather than no data. */
export function createSinkMetrics(registry: Registry, service: string, topics: readonly string[] = []): SinkMetrics {
  const p = metricPrefix(service);
  const registers = [registry];
  const metrics: SinkMetrics = {
    rowsWritten: new Counter({
      name: `${p}rows_written_total`,
      help: 'Rows inserted or updated in the reporting schema, by source topic.',
      labelNames: ['topic'],
      registers,
    }),
    recordsSkipped: new Counter({
      name: `${p}records_skipped_total`,
      help: 'Redelivered records below the offset already committed in Postgres, skipped.',
      labelNames: ['topic'],
      registers,
    }),
    commitDuration: commitDurationOf(registry),
    committedOffset: new Gauge({
      name: `${p}committed_offset`,
      help: 'The next offset to apply, as last committed in Postgres, per topic-partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
  };
  for (const topic of topics) {
    metrics.rowsWritten.inc({ topic }, 0);
    metrics.recordsSkipped.inc({ topic }, 0);
  }
  return metrics;
}
