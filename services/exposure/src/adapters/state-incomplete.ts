// A partition whose state is incomplete (rebuilt from a log that had lost records, see shared/stateful) is judged
// under its policy with stateIncomplete set: every new order is held STATE_INCOMPLETE. Two ExposureDomains, one per
// policy, so the core reads the condition from its policy like every other standing reason.
import type { Applied, ApplyContext, PartitionDomain } from '../../../../shared/stateful/batch-processor.ts';
import type { WorkingSet } from '../../../../shared/stateful/working-set.ts';
import type { CustomerState } from '../domain/index.ts';
import { ExposureDomain, type DecisionTally, type ExposureDomainSettings, type InputRecord } from './exposure-domain.ts';

export class PartitionExposureDomain implements PartitionDomain<InputRecord, CustomerState> {
  private readonly complete: ExposureDomain;
  private readonly incomplete: ExposureDomain;

  constructor(settings: ExposureDomainSettings) {
    this.complete = new ExposureDomain(settings);
    this.incomplete = new ExposureDomain({ ...settings, policy: Object.freeze({ ...settings.policy, stateIncomplete: true }) });
  }

  entityIds(record: InputRecord): string[] {
    return this.complete.entityIds(record);
  }

  /** A tick loads the customers whose temporary limit it expires (the expiry index), under either policy. */
  dueUpTo(record: InputRecord): number | undefined {
    return this.complete.dueUpTo(record);
  }

  apply(ws: WorkingSet<CustomerState>, record: InputRecord, ctx: ApplyContext): Applied {
    return (ctx.stateIncomplete ? this.incomplete : this.complete).apply(ws, record, ctx);
  }

  readonly serialize = (state: CustomerState): string => this.complete.serialize(state);

  deserialize(text: string): CustomerState {
    return this.complete.deserialize(text);
  }

  startTally(partition: number): void {
    this.complete.startTally(partition);
    this.incomplete.startTally(partition);
  }

  takeTally(partition: number): DecisionTally {
    const tally = this.complete.takeTally(partition);
    for (const [id, decision] of this.incomplete.takeTally(partition)) tally.set(id, decision);
    return tally;
  }
}
