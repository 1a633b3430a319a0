import { readdir, rm, writeFile } from 'node:fs/promises';
import { DASHBOARDS_DIR, renderDashboards } from './dashboards.ts';

// Regenerates grafana/dashboards/*.json from the TypeScript definitions: `npx tsx grafana/src/write-dashboards.ts`.
// Files of dashboards that no longer exist are removed, so Grafana does not keep provisioning them.

const rendered = renderDashboards();
for (const file of await readdir(DASHBOARDS_DIR)) {
  if (file.endsWith('.json') && !rendered.has(file)) await rm(new URL(file, DASHBOARDS_DIR));
}
for (const [file, json] of rendered) await writeFile(new URL(file, DASHBOARDS_DIR), json);
console.log(`wrote ${[...rendered.keys()].join(', ')}`);
