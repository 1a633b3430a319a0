import { collectionsAging } from './collections-aging.ts';
import { creditOverview } from './credit-overview.ts';
import { creditScorecard } from './credit-scorecard.ts';
import type { Dashboard } from './panels.ts';
import { pipelineHealth } from './pipeline-health.ts';

// The dashboards Grafana provisions, rendered to the files in grafana/dashboards (see write-dashboards.ts).

export const DASHBOARDS: readonly Dashboard[] = [creditOverview, collectionsAging, pipelineHealth, creditScorecard];

export const DASHBOARDS_DIR = new URL('../dashboards/', import.meta.url);

/** File name -> JSON text, exactly as committed. */
export function renderDashboards(): Map<string, string> {
  return new Map(DASHBOARDS.map((d) => [`${d.uid}.json`, `${JSON.stringify(d, null, 2)}\n`]));
}
