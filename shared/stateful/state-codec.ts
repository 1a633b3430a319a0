// How a domain's entity state is stored: as the fields of the entity's Redis hash. A codec that splits a state into
// parts (exposure: one per document) lets a commit write the parts a batch changed; one that does not keeps the
// whole state in one field.

export interface StateCodec<S> {
  /** Every part of the state, by field name. */
  encode(state: S): Map<string, string>;
  /** One part's text; null when the state no longer has that part (the field is deleted). */
  part(state: S, field: string): string | null;
  /** The state from all its fields; `id` is the entity's. */
  decode(fields: ReadonlyMap<string, string>, id: string): S;
}

const WHOLE_FIELD = 's';

/** The whole state in one field: every change rewrites it (for states that stay small). */
export function wholeStateCodec<S>(serialize: (state: S) => string, deserialize: (text: string, id: string) => S): StateCodec<S> {
  return {
    encode: (state) => new Map([[WHOLE_FIELD, serialize(state)]]),
    part: (state, field) => (field === WHOLE_FIELD ? serialize(state) : null),
    decode: (fields, id) => {
      const text = fields.get(WHOLE_FIELD);
      if (text === undefined) throw new Error(`the stored state of ${id} has no field ${WHOLE_FIELD}`);
      return deserialize(text, id);
    },
  };
}
