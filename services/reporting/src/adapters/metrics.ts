// The sink's own metrics, next to the runner's (o2c_reporting_records_consumed_total, ..._consumer_lag_records).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { metricPrefix } from '../../../../shared/metrics.ts';

export interface SinkMetrics {
  rowsWritten: Counter<'topic'>;
  recordsSkipped: Counter<'topic'>;
  commitDuration: Histogram<'topic'>;
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
    commitDuration: new Histogram({
      name: `${p}batch_commit_duration_seconds`,
      help: 'One batch transaction in Postgres, BEGIN to COMMIT: rows and offsets.',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
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
