// The entities of an exposure partition: a customer without a group (its CustomerState, a field per document, the
// fast path), a corporate group's task state (`~g:<group id>`: the group core's GroupState with every member, plus the
// repartition positions it applied) and a customer's credit account when it is not its own (`~r:<customer id>`, what
// the router needs at each input). Customer ids starting with `~` are not supported.
import type { StateCodec } from '../../../../shared/stateful/state-codec.ts';
import type { CustomerState, GroupState } from '../domain/index.ts';
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

export type ExposureEntity = CustomerState | GroupEntity | RouteEntity;

export const groupEntityId = (groupId: string): string => `~g:${groupId}`;
export const routeEntityId = (customerId: string): string => `~r:${customerId}`;

const WHOLE = 's';
const isTagged = (s: ExposureEntity): s is GroupEntity | RouteEntity => 'kind' in s;

/** Groups and routes are small and change as a whole: one field; customers keep their per-document fields. */
export const exposureEntityCodec: StateCodec<ExposureEntity> = {
  encode: (s) => (isTagged(s) ? new Map([[WHOLE, JSON.stringify(s)]]) : customerStateCodec.encode(s)),
  part: (s, field) => (isTagged(s) ? (field === WHOLE ? JSON.stringify(s) : null) : customerStateCodec.part(s, field)),
  decode(fields, id) {
    if (!id.startsWith('~')) return customerStateCodec.decode(fields, id);
    const text = fields.get(WHOLE);
    if (text === undefined) throw new Error(`the stored state of ${id} has no field ${WHOLE}`);
    return JSON.parse(text) as GroupEntity | RouteEntity;
  },
};
