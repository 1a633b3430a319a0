// User administration for admins: add users, change roles, disable, reset passwords.
import { isRole, may, ROLES, ROLE_LABELS } from '../../domain/roles.ts';
import { when } from '../format.ts';
import { html } from '../html.ts';
import { csrfField, type Viewer } from '../layout.ts';
import { hashPassword, passwordProblem } from '../passwords.ts';
import { bodyOf, queryOf, type RouteContext } from './context.ts';

export function userRoutes(c: RouteContext): void {
  const { app, o, store, guard, send } = c;
  app.get('/admin/users', { preHandler: guard('manageUsers') }, async (req, reply) => {
    const viewer = req.viewer!;
    const users = await store.users();
    const roleSelect = (selected?: string) => html`<select name="role">${ROLES.map((r) => html`<option value="${r}"${r === selected ? html` selected` : ''}>${ROLE_LABELS[r]}</option>`)}</select>`;
    return send(reply, viewer, 'Users', html`${queryOf(req).error ? html`<p class="error">${queryOf(req).error}</p>` : ''}
      <table id="users"><thead><tr><th>User</th><th>Role</th><th>State</th><th>Created</th><th>Change</th></tr></thead><tbody>
      ${users.map((u) => html`<tr><td>${u.username}</td><td>${ROLE_LABELS[u.role]}</td><td>${u.disabled ? 'disabled' : 'active'}</td><td>${when(u.createdAt)} by ${u.createdBy}</td>
        <td><form method="post" action="/admin/users/${encodeURIComponent(u.username)}" class="inline">${csrfField(viewer)}${roleSelect(u.role)}
          <label><input type="checkbox" name="disabled" value="1"${u.disabled ? html` checked` : ''}> disabled</label>
          <input name="password" type="password" placeholder="new password" autocomplete="new-password"> <button>Save</button></form></td></tr>`)}</tbody></table>
      <h2>Add a user</h2><form method="post" action="/admin/users">${csrfField(viewer)}<label>User <input name="username" required></label>
        <label>Role ${roleSelect('VIEWER')}</label><label>Password <input name="password" type="password" autocomplete="new-password" required></label><button>Add</button></form>`);
  });

  const userProblem = (username: string, password: string | undefined, role: string | undefined): string | null => {
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(username)) return 'user names are 2-64 characters: a-z, 0-9, dot, dash, underscore';
    if (role !== undefined && !isRole(role)) return 'unknown role';
    return password === undefined || password === '' ? null : passwordProblem(password);
  };

  app.post('/admin/users', { preHandler: guard('manageUsers') }, async (req, reply) => {
    const viewer = req.viewer!;
    const b = bodyOf(req);
    const username = (b.username ?? '').trim().toLowerCase();
    const problem = userProblem(username, b.password, b.role) ?? (b.password ? null : 'a password is required');
    if (problem) return reply.redirect(`/admin/users?error=${encodeURIComponent(problem)}`, 303);
    const created = await store.createUser({ username, role: b.role as Viewer['role'], passwordHash: await hashPassword(b.password!), createdBy: viewer.username });
    if (!created) return reply.redirect(`/admin/users?error=${encodeURIComponent(`${username} exists already`)}`, 303);
    o.logger.info({ username, role: b.role, by: viewer.username }, 'user added');
    return reply.redirect('/admin/users', 303);
  });

  app.post('/admin/users/:username', { preHandler: guard('manageUsers') }, async (req, reply) => {
    const viewer = req.viewer!;
    const { username } = req.params as { username: string };
    const b = bodyOf(req);
    const problem = userProblem(username, b.password, b.role);
    if (problem) return reply.redirect(`/admin/users?error=${encodeURIComponent(problem)}`, 303);
    if (username === viewer.username && (b.role !== 'ADMIN' || b.disabled === '1')) {
      return reply.redirect(`/admin/users?error=${encodeURIComponent('you may not remove your own admin rights')}`, 303);
    }
    await store.updateUser(username, {
      role: b.role as Viewer['role'], disabled: b.disabled === '1', ...(b.password ? { passwordHash: await hashPassword(b.password) } : {}),
    });
    o.logger.info({ username, role: b.role, disabled: b.disabled === '1', passwordChanged: Boolean(b.password), by: viewer.username }, 'user changed');
    return reply.redirect('/admin/users', 303);
  });
}
