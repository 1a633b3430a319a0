// The entities of an exposure partition: a customer without a group (its CustomerState, a field per document, the
// fast path), the partition's FX rate table (id '', FX_TABLE_ID, fx-table.ts), a corporate group's task state
// (`~g:<group id>`: the group core's GroupState with every member, plus the repartition positions it applied) and a
// customer's credit account when it is not its own (`~r:<customer id>`, what the router needs at each input).
// Customer ids starting with `~` are not supported; '' is no customer's (the partition-wide events').
import type { StateCodec } from '../../../../shared/stateful/state-codec.ts';
import type { CustomerState, GroupState } from '../domain/index.ts';
import { FX_TABLE_ID, fxTableCodec, isFxTable, type FxTable } from './fx-table.ts';
import { customerStateCodec } from './state-parts.ts';

export interface GroupEntity {
  kind: 'group';
  group: GroupState;
  /**
   * Per origin (`topic:partition` of the record that produced a repartition record), the last [offset, seq] applied:
   * a record at or below it is a republished outbox entry, ignored.
   */
  seen: Record<string, [number, number]>;
}

export interface RouteEntity {
  kind: 'route';
  account: string;
}

/** What the exposure service keeps per partition: its customers, its rate table, its group tasks and routes. */
export type ExposureEntity = CustomerState | FxTable | GroupEntity | RouteEntity;

export const groupEntityId = (groupId: string): string => `~g:${groupId}`;
export const routeEntityId = (customerId: string): string => `~r:${customerId}`;

const WHOLE = 's';
const isTagged = (s: ExposureEntity): s is GroupEntity | RouteEntity => 'kind' in s && (s.kind === 'group' || s.kind === 'route');

/** A customer's state, not the rate table, a group task or a route. */
export const isCustomerState = (e: ExposureEntity | undefined): e is CustomerState => e !== undefined && !('kind' in e);

/**
 * Groups and routes are small and change as a whole: one field; the rate table a field per currency (fx-table.ts);
 * customers keep their per-document fields.
 */
export const exposureEntityCodec: StateCodec<ExposureEntity> = {
  encode: (s) => (isFxTable(s) ? fxTableCodec.encode(s) : isTagged(s) ? new Map([[WHOLE, JSON.stringify(s)]]) : customerStateCodec.encode(s)),
  part: (s, field) =>
    isFxTable(s) ? fxTableCodec.part(s, field) : isTagged(s) ? (field === WHOLE ? JSON.stringify(s) : null) : customerStateCodec.part(s, field),
  decode(fields, id) {
    if (id === FX_TABLE_ID) return fxTableCodec.decode(fields, id);
    if (!id.startsWith('~')) return customerStateCodec.decode(fields, id);
    const text = fields.get(WHOLE);
    if (text === undefined) throw new Error(`the stored state of ${id} has no field ${WHOLE}`);
    return JSON.parse(text) as GroupEntity | RouteEntity;
  },
};
