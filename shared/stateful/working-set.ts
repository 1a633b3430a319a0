// The entities a batch works on: loaded from Redis once, changed in memory by the pure core, written back in one
// commit. It tracks what changed so only dirty entities (and the index scores set) are written.

export class WorkingSet<S> {
  private readonly states = new Map<string, S>();
  private readonly scores = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly dirtyScores = new Map<string, number | null>();

  constructor(loaded: Map<string, S>, scores: Map<string, number> = new Map()) {
    for (const [id, s] of loaded) this.states.set(id, s);
    for (const [id, score] of scores) this.scores.set(id, score);
  }

  get(id: string): S | undefined {
    return this.states.get(id);
  }

  /** undefined deletes the entity. */
  set(id: string, state: S | undefined): void {
    if (state === undefined) this.states.delete(id);
    else this.states.set(id, state);
    this.dirty.add(id);
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

  changes(serialize: (s: S) => string): { states: Map<string, string | null>; index: Map<string, number | null> } {
    const states = new Map<string, string | null>();
    for (const id of this.dirty) {
      const s = this.states.get(id);
      states.set(id, s === undefined ? null : serialize(s));
    }
    return { states, index: new Map(this.dirtyScores) };
  }
}
