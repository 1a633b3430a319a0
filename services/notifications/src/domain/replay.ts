// The core over one ordered stream of inputs and ticks, in memory: what the service computes partition by
// partition, for the tests. The business date is the latest tick's; a tick that moves it looks at every customer
// (the service looks only at those its index says are due, which must come to the same).
import type { InvoiceEvent, PaymentEvent } from '../../../../shared/contracts/events.generated.ts';
import type { Notice } from './notice.ts';
import type { PromiseOutcome } from './promises.ts';
import { onDay, onInput } from './notices.ts';
import type { NotificationPolicy } from './policy.ts';
import type { CustomerState, NotificationInput } from './state.ts';

export const SOURCE = 'notifications';

export type StreamEvent = NotificationInput | Extract<InvoiceEvent | PaymentEvent, { eventType: 'BusinessDateTick' }>;

export interface ReplayOutput {
  customerId: string;
  notice: Notice;
}

export class NotificationReplay {
  clockDay: number | null = null;
  readonly states = new Map<string, CustomerState>();
  /** Every promise outcome so far, in order. */
  readonly outcomes: PromiseOutcome[] = [];

  constructor(private readonly policy: NotificationPolicy) {}

  push(e: StreamEvent): Notice[] {
    if (e.eventType === 'BusinessDateTick') {
      const day = e.payload.businessDate;
      if (this.clockDay !== null && day <= this.clockDay) return [];
      this.clockDay = day;
      const out: Notice[] = [];
      for (const id of [...this.states.keys()].sort()) {
        const r = onDay(this.states.get(id)!, id, day, this.policy);
        this.states.set(id, r.state);
        out.push(...r.out);
        this.outcomes.push(...r.outcomes);
      }
      return out;
    }
    const r = onInput(this.states.get(e.customerId), e, this.clockDay, this.policy);
    this.states.set(e.customerId, r.state);
    this.outcomes.push(...r.outcomes);
    return r.out;
  }

  pushAll(events: Iterable<StreamEvent>): Notice[] {
    const out: Notice[] = [];
    for (const e of events) out.push(...this.push(e));
    return out;
  }
}
