// Who may do what in the console. The exposure service has the last word on a release or rejection (its authority
// matrix, by amount); the console only keeps those who may not act at all from sending actions, and enforces the
// four-eyes rule on limit changes, which no other service sees.
import type { ActorRole } from '../../../../shared/contracts/events.generated.ts';

export type Role = ActorRole;
export const ROLES: readonly Role[] = ['VIEWER', 'CREDIT_CONTROLLER', 'CREDIT_MANAGER', 'ADMIN'];
export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export type Permission = 'view' | 'creditAction' | 'recordPromise' | 'requestLimit' | 'approveLimit' | 'manageUsers';

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  VIEWER: ['view'],
  CREDIT_CONTROLLER: ['view', 'creditAction', 'recordPromise', 'requestLimit'],
  CREDIT_MANAGER: ['view', 'creditAction', 'recordPromise', 'requestLimit', 'approveLimit'],
  // Administers users; credit decisions stay with the credit team.
  ADMIN: ['view', 'manageUsers'],
};

export const may = (role: Role, permission: Permission): boolean => GRANTS[role].includes(permission);

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  VIEWER: 'viewer',
  CREDIT_CONTROLLER: 'credit controller',
  CREDIT_MANAGER: 'credit manager',
  ADMIN: 'admin',
};
