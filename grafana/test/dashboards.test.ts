import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, DASHBOARDS_DIR, renderDashboards } from '../src/dashboards.ts';
import { DASHBOARD_METRICS } from '../src/metrics.ts';
import type { PromTarget } from '../src/panels.ts';

const provisioning = async (path: string) => parse(await readFile(new URL(`../provisioning/${path}`, import.meta.url), 'utf8'));

describe('grafana dashboards', () => {
  it('are committed exactly as the TypeScript generates them', async () => {
    const committed = (await readdir(DASHBOARDS_DIR)).filter((f) => f.endsWith('.json')).sort();
    const rendered = renderDashboards();
    expect(committed).toEqual([...rendered.keys()].sort());
    for (const [file, json] of rendered) expect(await readFile(new URL(file, DASHBOARDS_DIR), 'utf8')).toBe(json);
  });

  it('refer only to provisioned data sources', async () => {
    const { datasources } = await provisioning('datasources/o2c.yaml');
    const provisioned = new Set(datasources.map((d: { type: string; uid: string }) => `${d.type}/${d.uid}`));
    for (const d of DASHBOARDS) {
      for (const p of d.panels) {
        expect(provisioned).toContain(`${p.datasource.type}/${p.datasource.uid}`);
        for (const t of p.targets) expect(t.datasource).toEqual(p.datasource);
      }
    }
  });

  it('are loaded from the folder the provider points at', async () => {
    const { providers } = await provisioning('dashboards/o2c.yaml');
    expect(providers[0].options.path).toBe('/var/lib/grafana/dashboards');
  });

  it('have unique uids and panel ids, and panels inside the 24-column grid', () => {
    expect(new Set(DASHBOARDS.map((d) => d.uid)).size).toBe(DASHBOARDS.length);
    for (const d of DASHBOARDS) {
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      for (const p of d.panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('filter every money figure by one currency, the dashboard variable `currency`', () => {
    // Minor-unit columns and the receivables functions and views carry money; sums across currencies mean nothing.
    const money = /_minor\b|reporting\.(ar_aging|delinquent_customers|kpi_monthly|held_orders)\b/;
    for (const d of DASHBOARDS) {
      const sqls = d.panels.flatMap((p) => p.targets).flatMap((t) => ('rawSql' in t ? [t.rawSql] : []));
      const moneySqls = sqls.filter((s) => money.test(s));
      if (moneySqls.length === 0) continue;
      const currency = d.templating.list.find((v) => (v as { name: string }).name === 'currency');
      const single = { type: 'query', multi: false, includeAll: false };
      expect(currency, `${d.title}: a currency variable`).toMatchObject(single);
      for (const s of moneySqls) {
        expect(s, `${d.title}: filtered by currency`).toContain('currency = ${currency:sqlstring}');
      }
    }
  });

  it('query only metrics from the exported list, and use every one of them', () => {
    const exprs = DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.targets))
      .filter((t): t is PromTarget => 'expr' in t)
      .map((t) => t.expr);
    // A histogram is queried through its _bucket series.
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\bo2c_[a-z0-9_]+/g)].map((m) => m[0].replace(/_bucket$/, ''))));
    expect([...named].sort()).toEqual([...DASHBOARD_METRICS].sort());
  });
});
