import { describe, expect, it } from 'vitest';
import { PoisonRecordError } from '../../errors.ts';
import { DlqHeaders, toDlqMessage, type DeadLetter } from '../dlq.ts';

const letter = (over: Partial<DeadLetter> = {}): DeadLetter => ({
  topic: 'o2c.orders.v1',
  partition: 7,
  offset: '12345',
  timestamp: '1728000000000',
  key: Buffer.from('C-1'),
  value: Buffer.from([0, 0, 0, 0, 9, 0xde, 0xad]),
  headers: { traceparent: Buffer.from('00-abc-01'), [DlqHeaders.SERVICE]: Buffer.from('forged') },
  error: new PoisonRecordError('CorruptAvro', 'not an o2c.OrderEvent'),
  ...over,
});

describe('toDlqMessage', () => {
  const failedAt = new Date('2026-01-02T03:04:05.678Z');

  it('keeps key, value and headers, adds where it came from and why, and keeps the source partition', () => {
    const m = toDlqMessage(letter(), 'exposure', failedAt, 7);
    expect(m.key).toEqual(Buffer.from('C-1'));
    expect(m.value).toEqual(Buffer.from([0, 0, 0, 0, 9, 0xde, 0xad]));
    expect(m.partition).toBe(7);
    expect(m.headers).toEqual({
      traceparent: Buffer.from('00-abc-01'),
      'o2c-source-topic': 'o2c.orders.v1',
      'o2c-source-partition': '7',
      'o2c-source-offset': '12345',
      'o2c-source-timestamp': '1728000000000',
      'o2c-service': 'exposure', // ours wins over a header of the same name on the poison record
      'o2c-error-class': 'CorruptAvro',
      'o2c-error-message': 'not an o2c.OrderEvent',
      'o2c-failed-at': '2026-01-02T03:04:05.678Z',
    });
  });

  it('leaves the partition to the key when the DLQ lacks the source partition, and keeps a null value null', () => {
    const m = toDlqMessage(letter({ value: null }), 'exposure', failedAt);
    expect('partition' in m).toBe(false);
    expect(m.value).toBeNull();
  });

  it('bounds the error message', () => {
    const m = toDlqMessage(letter({ error: new PoisonRecordError('InvalidEvent', 'x'.repeat(10_000)) }), 'exposure', failedAt);
    expect(String(m.headers![DlqHeaders.ERROR_MESSAGE])).toHaveLength(2000);
  });
});
