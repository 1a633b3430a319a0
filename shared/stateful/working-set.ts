// The entities a batch works on: loaded from Redis once, changed in memory by the pure core, written back in one
// commit. It tracks what changed, down to the parts of a state where the domain names them, so a commit writes only
// those (and the index scores set).
import type { EntityChange } from '../redis/partition-store.ts';
import type { StateCodec } from './state-codec.ts';

/** Every part of the entity is to be written (it is new, or the domain did not say which parts it changed). */
const WHOLE = 'whole';

export class WorkingSet<S> {
  private readonly states = new Map<string, S>();
  private readonly scores = new Map<string, number>();
  private readonly dirty = new Map<string, Set<string> | typeof WHOLE>();
  private readonly dirtyScores = new Map<string, number | null>();

  constructor(loaded: Map<string, S>, scores: Map<string, number> = new Map()) {
    for (const [id, s] of loaded) this.states.set(id, s);
    for (const [id, score] of scores) this.scores.set(id, score);
  }

  get(id: string): S | undefined {
    return this.states.get(id);
  }

  /**
   * undefined deletes the entity. `parts` names the parts of the state that changed (the codec's field names); without
   * it, or for an entity that had no state, the whole state is written.
   */
  set(id: string, state: S | undefined, parts?: Iterable<string>): void {
    const had = this.states.has(id);
    if (state === undefined) this.states.delete(id);
    else this.states.set(id, state);
    const before = this.dirty.get(id);
    if (parts === undefined || !had || before === WHOLE) {
      this.dirty.set(id, WHOLE);
      return;
    }
    let set = before;
    if (set === undefined) this.dirty.set(id, (set = new Set()));
    for (const part of parts) set.add(part);
  }

  /** When the entity next needs attention (e.g. its next due day); null when never. */
  setScore(id: string, score: number | null): void {
    if (score === null) this.scores.delete(id);
    else this.scores.set(id, score);
    this.dirtyScores.set(id, score);
  }

  /** Loaded or changed entities whose score is at or below `score`, in (score, id) order for determinism. */
  dueBy(score: number): string[] {
    return [...this.scores.entries()]
      .filter(([, s]) => s <= score)
      .sort(([a, sa], [b, sb]) => sa - sb || (a < b ? -1 : a > b ? 1 : 0))
      .map(([id]) => id);
  }

  /** The ids of the entities changed, for the cache to take their new states. */
  changedIds(): IterableIterator<string> {
    return this.dirty.keys();
  }

  changes(codec: StateCodec<S>): { states: Map<string, EntityChange>; index: Map<string, number | null> } {
    const states = new Map<string, EntityChange>();
    for (const [id, parts] of this.dirty) {
      const s = this.states.get(id);
      if (s === undefined) states.set(id, { kind: 'delete' });
      else if (parts === WHOLE) states.set(id, { kind: 'replace', fields: codec.encode(s) });
      else {
        const fields = new Map<string, string | null>();
        for (const part of parts) fields.set(part, codec.part(s, part));
        states.set(id, { kind: 'patch', fields });
      }
    }
    return { states, index: new Map(this.dirtyScores) };
  }
}
