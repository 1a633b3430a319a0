import { describe, expect, it } from 'vitest';
import { parsePromText, sumBy, sumOf } from '../src/prom-text.ts';

// As prom-client writes it: HELP and TYPE comments, default labels, a histogram, escaped label values.
const EXPOSITION = `# HELP o2c_consumer_lag_records Records between the position and the high watermark.
# TYPE o2c_consumer_lag_records gauge
o2c_consumer_lag_records{topic="o2c.orders.v1",partition="0",service="exposure"} 12
o2c_consumer_lag_records{topic="o2c.orders.v1",partition="1",service="exposure"} 3
o2c_consumer_lag_records{topic="o2c.payments.v1",partition="0",service="exposure"} 0

# TYPE o2c_exposure_decisions_total counter
o2c_exposure_decisions_total{outcome="approved",service="exposure"} 1063
o2c_exposure_decisions_total{outcome="held",service="exposure"} 29
# TYPE o2c_batch_duration_seconds histogram
o2c_batch_duration_seconds_bucket{le="0.001",topic="o2c.orders.v1",service="exposure"} 4
o2c_batch_duration_seconds_bucket{le="+Inf",topic="o2c.orders.v1",service="exposure"} 9
o2c_batch_duration_seconds_sum{topic="o2c.orders.v1",service="exposure"} 0.25
process_start_time_seconds 1795334660 1795334661000
odd_labels{path="C:\\\\tmp",quote="say \\"hi\\"",brace="}{",nl="a\\nb"} NaN
`;

describe('parsePromText', () => {
  const samples = parsePromText(EXPOSITION);

  it('reads every sample line and skips comments and blank lines', () => {
    expect(samples).toHaveLength(10);
    expect(samples[0]).toEqual({
      name: 'o2c_consumer_lag_records',
      labels: { topic: 'o2c.orders.v1', partition: '0', service: 'exposure' },
      value: 12,
    });
  });

  it('reads values with a timestamp, +Inf bucket labels, and escaped label values', () => {
    expect(samples.find((s) => s.name === 'process_start_time_seconds')).toEqual({
      name: 'process_start_time_seconds',
      labels: {},
      value: 1795334660,
    });
    expect(samples.find((s) => s.labels.le === '+Inf')?.value).toBe(9);
    const odd = samples.find((s) => s.name === 'odd_labels')!;
    expect(odd.labels).toEqual({ path: 'C:\\tmp', quote: 'say "hi"', brace: '}{', nl: 'a\nb' });
    expect(odd.value).toBeNaN();
  });

  it('rejects a line that is not a sample', () => {
    expect(() => parsePromText('o2c_x{topic="a"\n')).toThrow(/not a metrics line/);
    expect(() => parsePromText('o2c_x{topic=a} 1\n')).toThrow(/bad labels/);
  });
});

describe('sumOf and sumBy', () => {
  const samples = parsePromText(EXPOSITION);

  it('sums a metric over its series, optionally of matching labels; 0 when absent', () => {
    expect(sumOf(samples, 'o2c_consumer_lag_records')).toBe(15);
    expect(sumOf(samples, 'o2c_consumer_lag_records', { topic: 'o2c.payments.v1' })).toBe(0);
    expect(sumOf(samples, 'o2c_consumer_lag_records', { partition: '1' })).toBe(3);
    expect(sumOf(samples, 'o2c_consumer_lag_records', { service: 'reporting' })).toBe(0);
  });

  it('groups a metric by one label', () => {
    expect(sumBy(samples, 'o2c_exposure_decisions_total', 'outcome')).toEqual(new Map([['approved', 1063], ['held', 29]]));
    expect(sumBy(samples, 'o2c_consumer_lag_records', 'topic')).toEqual(
      new Map([['o2c.orders.v1', 15], ['o2c.payments.v1', 0]]),
    );
  });
});
