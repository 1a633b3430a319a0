// The frame of every page: navigation by role, the signed-in user, a sign-out form with its CSRF token.
import { may, ROLE_LABELS, type Role } from '../domain/roles.ts';
import { Html, html } from './html.ts';

export interface Viewer {
  username: string;
  role: Role;
  csrfToken: string;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#cfe0ff;text-decoration:none}header .me{margin-left:auto}
main{padding:1rem 1.4rem}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e2e5ea;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#eef1f5}td.num,th.num{text-align:right}.reason{display:inline-block;background:#fde7e7;color:#8a1c1c;
border-radius:3px;padding:0 .3rem;margin-right:.2rem;font-size:.8rem}.ok{color:#1b6e2a;font-weight:600}
.refused{color:#a11;font-weight:600}.pending{color:#8a6d00;font-weight:600}.error{background:#fde7e7;padding:.5rem;border-radius:4px}
.notice{background:#e6f4ea;padding:.5rem;border-radius:4px}form.inline{display:inline}fieldset{border:1px solid #d5d9e0;background:#fff;margin:.6rem 0}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;padding:.6rem 1rem;border:1px solid #e2e5ea;border-radius:4px;min-width:12rem}
button{cursor:pointer}label{margin-right:.6rem}`;

export function page(title: string, viewer: Viewer | undefined, body: Html, opts: { refreshSeconds?: number } = {}): string {
  const nav = viewer
    ? html`<a href="/worklist">Held orders</a><a href="/collections">Collections</a><a href="/limit-requests">Limit requests</a><a href="/audit">Audit log</a>
        ${may(viewer.role, 'manageUsers') ? html`<a href="/admin/users">Users</a>` : ''}
        <span class="me">${viewer.username} (${ROLE_LABELS[viewer.role]})
        <form class="inline" method="post" action="/signout"><input type="hidden" name="_csrf" value="${viewer.csrfToken}">
        <button>Sign out</button></form></span>`
    : '';
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · o2c credit console</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
${opts.refreshSeconds ? html`<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<style>${new Html(STYLE)}</style></head><body><header><strong>o2c credit console</strong>${nav}</header>
<main><h1>${title}</h1>${body}</main></body></html>`.text;
}

export const csrfField = (viewer: Viewer): Html => html`<input type="hidden" name="_csrf" value="${viewer.csrfToken}">`;
