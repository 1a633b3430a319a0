// The core over one ordered stream of inputs and ticks, in memory: what the service computes partition by
// partition, for the evaluation, the benchmark-like checks and the tests. The as-of date is the latest tick's date;
// a tick that moves it assesses every customer again.
import type { CustomerEvent, InvoiceEvent, PaymentEvent } from '../../../../shared/contracts/events.generated.ts';
import type { ScoringPolicy } from './policy.ts';
import { onDay, onInput, type CustomerEntity, type ScoringOut } from './scoring.ts';
import type { ScoringInput } from './state.ts';

export type StreamEvent = InvoiceEvent | PaymentEvent | CustomerEvent;

export interface ReplayOutput {
  customerId: string;
  out: ScoringOut;
}

export class ScoringReplay {
  clockDay: number | null = null;
  readonly entities = new Map<string, CustomerEntity>();
  readonly rejected: Array<{ eventId: string; reason: string }> = [];

  constructor(private readonly policy: ScoringPolicy) {}

  /** Applies one event; returns what it made the core publish. */
  push(e: StreamEvent): ReplayOutput[] {
    if (e.eventType === 'BusinessDateTick') {
      const day = e.payload.businessDate;
      if (this.clockDay !== null && day <= this.clockDay) return [];
      this.clockDay = day;
      const outs: ReplayOutput[] = [];
      for (const [id, entity] of this.entities) {
        const r = onDay(entity, id, day, this.policy);
        this.entities.set(id, r.entity);
        for (const out of r.out) outs.push({ customerId: id, out });
      }
      return outs;
    }
    const input = e as ScoringInput;
    const r = onInput(this.entities.get(e.customerId), input, this.clockDay, this.policy);
    if (r.rejected !== undefined) {
      this.rejected.push({ eventId: e.eventId, reason: r.rejected });
      return [];
    }
    this.entities.set(e.customerId, r.entity);
    return r.out.map((out) => ({ customerId: e.customerId, out }));
  }

  pushAll(events: Iterable<StreamEvent>): ReplayOutput[] {
    const outs: ReplayOutput[] = [];
    for (const e of events) outs.push(...this.push(e));
    return outs;
  }
}
