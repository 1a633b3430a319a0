// The console's own tables (schema console): users, sessions, the credit actions it sent, limit requests.
import type { Queryable } from '../../../../shared/pg/pool.ts';
import type { LimitRequest } from '../domain/limit-change.ts';
import type { Role } from '../domain/roles.ts';

export interface User {
  username: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  createdAt: Date;
  createdBy: string;
}

export interface SessionRow {
  username: string;
  role: Role;
  disabled: boolean;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SentAction {
  eventId: string;
  orderId: string;
  customerId: string;
  action: 'RELEASE' | 'REJECT';
  actor: string;
  actorRole: Role;
  reason: string;
  takenAt: Date;
}

/** An action with what services/exposure made of it, once the reporting sink has the outcome. */
export interface ActionWithOutcome extends SentAction {
  outcome: 'ACCEPTED' | 'REFUSED' | null;
  refusal: string | null;
  shortfallMinor: number | null;
  authorityLimitMinor: number | null;
}

export interface StoredLimitRequest extends LimitRequest {
  source: 'CONSOLE' | 'SCORING';
  requestedRole: Role;
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

export class ConsoleStore {
  constructor(private readonly db: Queryable) {}

  async userCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM console.users');
    return Number(rows[0]!.n);
  }

  async createUser(u: { username: string; role: Role; passwordHash: string; createdBy: string }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO console.users (username, role, password_hash, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO NOTHING`,
      [u.username, u.role, u.passwordHash, u.createdBy],
    );
    return rowCount === 1;
  }

  async user(username: string): Promise<User | undefined> {
    const { rows } = await this.db.query<{ username: string; role: Role; password_hash: string; disabled: boolean; created_at: Date; created_by: string }>(
      'SELECT username, role, password_hash, disabled, created_at, created_by FROM console.users WHERE username = $1', [username]);
    const r = rows[0];
    return r && { username: r.username, role: r.role, passwordHash: r.password_hash, disabled: r.disabled, createdAt: r.created_at, createdBy: r.created_by };
  }

  async users(): Promise<User[]> {
    const { rows } = await this.db.query<{ username: string; role: Role; password_hash: string; disabled: boolean; created_at: Date; created_by: string }>(
      'SELECT username, role, password_hash, disabled, created_at, created_by FROM console.users ORDER BY username');
    return rows.map((r) => ({ username: r.username, role: r.role, passwordHash: r.password_hash, disabled: r.disabled, createdAt: r.created_at, createdBy: r.created_by }));
  }

  /** Changes a user's role or state; their sessions end, so the change takes effect at once. */
  async updateUser(username: string, change: { role?: Role; disabled?: boolean; passwordHash?: string }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE console.users SET role = coalesce($2, role), disabled = coalesce($3, disabled),
              password_hash = coalesce($4, password_hash) WHERE username = $1`,
      [username, change.role ?? null, change.disabled ?? null, change.passwordHash ?? null],
    );
    await this.db.query('DELETE FROM console.sessions WHERE username = $1', [username]);
    return rowCount === 1;
  }

  async createSession(s: { tokenHash: string; username: string; csrfToken: string; now: number }): Promise<void> {
    await this.db.query(
      `INSERT INTO console.sessions (token_hash, username, csrf_token, created_at, last_seen_at)
       VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0))`,
      [s.tokenHash, s.username, s.csrfToken, s.now],
    );
  }

  async session(tokenHash: string): Promise<SessionRow | undefined> {
    const { rows } = await this.db.query<{ username: string; role: Role; disabled: boolean; csrf_token: string; created_ms: string; seen_ms: string }>(
      `SELECT s.username, u.role, u.disabled, s.csrf_token,
              (extract(epoch FROM s.created_at) * 1000)::bigint AS created_ms,
              (extract(epoch FROM s.last_seen_at) * 1000)::bigint AS seen_ms
         FROM console.sessions s JOIN console.users u USING (username) WHERE s.token_hash = $1`,
      [tokenHash],
    );
    const r = rows[0];
    return r && { username: r.username, role: r.role, disabled: r.disabled, csrfToken: r.csrf_token, createdAt: Number(r.created_ms), lastSeenAt: Number(r.seen_ms) };
  }

  async touchSession(tokenHash: string, now: number): Promise<void> {
    await this.db.query('UPDATE console.sessions SET last_seen_at = to_timestamp($2 / 1000.0) WHERE token_hash = $1', [tokenHash, now]);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM console.sessions WHERE token_hash = $1', [tokenHash]);
  }

  async recordAction(a: SentAction): Promise<void> {
    await this.db.query(
      `INSERT INTO console.credit_actions (event_id, order_id, customer_id, action, actor, actor_role, reason, taken_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [a.eventId, a.orderId, a.customerId, a.action, a.actor, a.actorRole, a.reason, a.takenAt],
    );
  }

  /** The latest actions (of one order, or all), each with its outcome from reporting.audit_log when it is there. */
  async actions(o: { orderId?: string; limit: number }): Promise<ActionWithOutcome[]> {
    const { rows } = await this.db.query<{
      event_id: string; order_id: string; customer_id: string; action: 'RELEASE' | 'REJECT'; actor: string; actor_role: Role;
      reason: string; taken_at: Date; outcome: 'ACCEPTED' | 'REFUSED' | null; refusal: string | null;
      shortfall_minor: string | null; authority_limit_minor: string | null;
    }>(
      `SELECT a.*, o.outcome, o.refusal, o.shortfall_minor, o.authority_limit_minor
         FROM console.credit_actions a
         LEFT JOIN LATERAL (SELECT outcome, refusal, shortfall_minor, authority_limit_minor FROM reporting.audit_log l
                             WHERE l.causation_id = a.event_id::text AND l.outcome IN ('ACCEPTED', 'REFUSED') LIMIT 1) o ON true
        WHERE $1::text IS NULL OR a.order_id = $1
        ORDER BY a.taken_at DESC LIMIT $2`,
      [o.orderId ?? null, o.limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id, orderId: r.order_id, customerId: r.customer_id, action: r.action, actor: r.actor, actorRole: r.actor_role,
      reason: r.reason, takenAt: r.taken_at, outcome: r.outcome, refusal: r.refusal,
      shortfallMinor: num(r.shortfall_minor), authorityLimitMinor: num(r.authority_limit_minor),
    }));
  }

  async createLimitRequest(r: {
    customerId: string; currency: string; creditLimit: number; tempLimit: number | null; tempLimitExpiresAt: number | null;
    reason: string; source: 'CONSOLE' | 'SCORING'; requestedBy: string; requestedRole: Role; now: number;
  }): Promise<number> {
    const { rows } = await this.db.query<{ request_id: string }>(
      `INSERT INTO console.limit_requests (customer_id, currency, credit_limit_minor, temp_limit_minor, temp_limit_expires_at,
                                           reason, source, requested_by, requested_role, requested_at)
       VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), $6, $7, $8, $9, to_timestamp($10 / 1000.0)) RETURNING request_id`,
      [r.customerId, r.currency, r.creditLimit, r.tempLimit, r.tempLimitExpiresAt, r.reason, r.source, r.requestedBy, r.requestedRole, r.now],
    );
    return Number(rows[0]!.request_id);
  }

  async limitRequests(o: { status?: 'PENDING'; customerId?: string; requestId?: number; limit: number }): Promise<StoredLimitRequest[]> {
    const { rows } = await this.db.query<{
      request_id: string; customer_id: string; currency: string; credit_limit_minor: string; temp_limit_minor: string | null;
      temp_ms: string | null; reason: string; source: 'CONSOLE' | 'SCORING'; requested_by: string; requested_role: Role;
      requested_at: Date; status: 'PENDING' | 'APPROVED' | 'REJECTED'; decided_by: string | null; decided_at: Date | null;
      decision_reason: string | null;
    }>(
      `SELECT *, (extract(epoch FROM temp_limit_expires_at) * 1000)::bigint AS temp_ms FROM console.limit_requests
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR customer_id = $2) AND ($3::bigint IS NULL OR request_id = $3)
        ORDER BY requested_at DESC LIMIT $4`,
      [o.status ?? null, o.customerId ?? null, o.requestId ?? null, o.limit],
    );
    return rows.map((r) => ({
      requestId: Number(r.request_id), customerId: r.customer_id, currency: r.currency, creditLimit: Number(r.credit_limit_minor),
      tempLimit: num(r.temp_limit_minor), tempLimitExpiresAt: num(r.temp_ms), reason: r.reason, source: r.source,
      requestedBy: r.requested_by, requestedRole: r.requested_role, requestedAt: r.requested_at, status: r.status,
      decidedBy: r.decided_by, decidedAt: r.decided_at, decisionReason: r.decision_reason,
    }));
  }

  /** Decides a pending request once: false when someone else decided it first. */
  async decideLimitRequest(d: {
    requestId: number; status: 'APPROVED' | 'REJECTED'; decidedBy: string; decidedRole: Role; reason: string;
    profileEventId: string | null; now: number;
  }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE console.limit_requests SET status = $2, decided_by = $3, decided_role = $4, decision_reason = $5,
              profile_event_id = $6, decided_at = to_timestamp($7 / 1000.0)
        WHERE request_id = $1 AND status = 'PENDING' AND requested_by <> $3`,
      [d.requestId, d.status, d.decidedBy, d.decidedRole, d.reason, d.profileEventId, d.now],
    );
    return rowCount === 1;
  }
}
