// The exposure core as a PartitionDomain: one entity per customer (its CustomerState as JSON), each input applied
// with the core's applyEvent under the configured policy; decisions and customer events go to the credit-holds
// topic, snapshots to the exposure topic, rejected inputs to the DLQ. Business-date ticks carry no customer and
// change nothing here (see the core's README), so they load nothing and write nothing.
import type { CreditHoldEvent } from '../../../../shared/contracts/events.generated.ts';
import type { TopicRegistry } from '../../../../shared/contracts/topics.ts';
import type { ConsumedRecord } from '../../../../shared/kafka/runner.ts';
import type { Applied, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import { stateJson } from './state-json.ts';
import { applyEvent, type CreditPolicy, type CustomerState, type ExposureInput } from '../domain/index.ts';

/** The runner's record is the domain's event: apply needs its Kafka timestamp for the decision latency. */
export type InputRecord = ConsumedRecord<ExposureInput>;

export type DecisionOutcome = 'approved' | 'held' | 'released' | 'rejected';

const OUTCOMES: Partial<Record<CreditHoldEvent['eventType'], DecisionOutcome>> = {
  OrderCreditApproved: 'approved',
  OrderCreditHeld: 'held',
  OrderCreditReleased: 'released',
  OrderCreditRejected: 'rejected',
};

export interface Decision {
  outcome: DecisionOutcome;
  /** AUTOMATIC or MANUAL, for releases. */
  release?: string;
  /** Kafka timestamp of the input that caused it, epoch ms. */
  inputTimestamp: number;
}

/**
 * The order decisions of one partition's batch, keyed by event id: a batch recomputed after a stale commit
 * overwrites its own entries instead of counting them twice.
 */
export type DecisionTally = Map<string, Decision>;

export interface ExposureDomainSettings {
  topics: Pick<TopicRegistry, 'CREDIT_HOLDS' | 'EXPOSURE'>;
  policy: CreditPolicy;
  /** Customer states kept parsed between batches (see ParsedStates). Default 100,000. */
  parsedStates?: number;
}

/**
 * The last text this instance wrote or read of each customer's state, with the state parsed. Parsing a state is the
 * largest cost of a small batch (a customer with a few dozen documents is ~10 KB of JSON), and the text a batch loads
 * is most often the one this instance wrote: then the parsed object is reused. The core never mutates a state it is
 * given, so sharing it is safe; a text written by another instance differs and is parsed. Keyed by customer, not by
 * text: hashing a 10 KB string costs more than comparing it with the one expected. Bounded, oldest out.
 */
class ParsedStates {
  private readonly byCustomer = new Map<string, { text: string; state: CustomerState }>();

  constructor(private readonly capacity: number) {}

  get(customerId: string, text: string): CustomerState | undefined {
    const known = this.byCustomer.get(customerId);
    return known?.text === text ? known.state : undefined;
  }

  remember(text: string, state: CustomerState): void {
    this.byCustomer.delete(state.customerId);
    this.byCustomer.set(state.customerId, { text, state });
    if (this.byCustomer.size > this.capacity) this.byCustomer.delete(this.byCustomer.keys().next().value!);
  }
}

export class ExposureDomain implements PartitionDomain<InputRecord, CustomerState> {
  private readonly tallies = new Map<number, DecisionTally>();
  private readonly parsed: ParsedStates;

  constructor(private readonly settings: ExposureDomainSettings) {
    this.parsed = new ParsedStates(settings.parsedStates ?? 100_000);
  }

  entityIds({ event }: InputRecord): string[] {
    return event.customerId === '' ? [] : [event.customerId];
  }

  apply(ws: WorkingSet<CustomerState>, record: InputRecord, { partition }: { partition: number }): Applied {
    const { event } = record;
    if (event.customerId === '') return { out: [] };
    const result = applyEvent(ws.get(event.customerId), event, this.settings.policy);
    if (result.rejected) return { out: [], rejected: result.rejected };
    if (result.changed) ws.set(event.customerId, result.state);
    const { CREDIT_HOLDS, EXPOSURE } = this.settings.topics;
    const tally = this.tallies.get(partition);
    return {
      out: result.events.map((e) => {
        if (e.eventType === 'ExposureSnapshot') return { spec: EXPOSURE, event: e };
        const outcome = OUTCOMES[e.eventType];
        if (outcome && tally) {
          const release = e.eventType === 'OrderCreditReleased' ? e.payload.release : undefined;
          tally.set(e.eventId, { outcome, inputTimestamp: record.timestamp, ...(release ? { release } : {}) });
        }
        return { spec: CREDIT_HOLDS, event: e };
      }),
    };
  }

  // Arrow properties: the BatchProcessor passes serialize on unbound (ws.changes(domain.serialize)).
  readonly serialize = (state: CustomerState): string => {
    const text = stateJson(state);
    this.parsed.remember(text, state);
    return text;
  };

  readonly deserialize = (text: string, customerId: string): CustomerState => {
    const known = this.parsed.get(customerId, text);
    if (known) return known;
    const state = JSON.parse(text) as CustomerState;
    if (state.schemaVersion !== 1) throw new Error(`customer state schemaVersion ${String(state.schemaVersion)} is not 1`);
    this.parsed.remember(text, state);
    return state;
  };

  /** Starts counting the decisions of a partition's batch; `takeTally` hands them over once it is published. */
  startTally(partition: number): void {
    this.tallies.set(partition, new Map());
  }

  takeTally(partition: number): DecisionTally {
    const tally = this.tallies.get(partition) ?? new Map<string, Decision>();
    this.tallies.delete(partition);
    return tally;
  }
}
