// A small typed model of the Grafana JSON we use, so the three dashboards share data sources, units and layout.

export const POSTGRES = { type: 'grafana-postgresql-datasource', uid: 'o2c-postgres' } as const;
export const PROMETHEUS = { type: 'prometheus', uid: 'o2c-prometheus' } as const;

type Datasource = typeof POSTGRES | typeof PROMETHEUS;

export interface SqlTarget {
  refId: string;
  datasource: typeof POSTGRES;
  editorMode: 'code';
  rawQuery: true;
  format: 'time_series' | 'table';
  rawSql: string;
}

export interface PromTarget {
  refId: string;
  datasource: typeof PROMETHEUS;
  expr: string;
  legendFormat: string;
}

export type PanelType = 'timeseries' | 'table' | 'stat' | 'barchart';

export interface Panel {
  id: number;
  type: PanelType;
  title: string;
  description: string;
  datasource: Datasource;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Array<SqlTarget | PromTarget>;
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
}

export interface PanelSpec {
  type: PanelType;
  title: string;
  description: string;
  w: number;
  h: number;
  /** Grafana unit id of the values (e.g. 'short', 'percent', 's'). */
  unit?: string;
  /** Per-column units of a table or a multi-column series, by the column name the query returns. */
  columnUnits?: Readonly<Record<string, string>>;
  stacked?: boolean;
  bars?: boolean;
}

/**
 * Panel SQL's reference to the selected currency, as a quoted and escaped literal. Every money figure is filtered by
 * it: amounts in minor units of different currencies cannot be summed.
 */
export const CURRENCY = '${currency:sqlstring}';

const CURRENCIES_SQL =
  'SELECT currency FROM (SELECT currency FROM reporting.customers UNION SELECT currency FROM reporting.invoices ' +
  'UNION SELECT currency FROM reporting.orders) c WHERE currency IS NOT NULL ORDER BY 1';

/** The dashboard variable `currency`: one currency at a time (no multi-select, no All), the first by default. */
export const currencyVariable = {
  type: 'query',
  name: 'currency',
  label: 'Currency',
  datasource: POSTGRES,
  query: CURRENCIES_SQL,
  definition: CURRENCIES_SQL,
  refresh: 2,
  multi: false,
  includeAll: false,
};

/** Trims the indentation of a template literal so the SQL in the JSON reads as it was written. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values);
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export const sqlTarget = (rawSql: string, format: SqlTarget['format'], refId = 'A'): SqlTarget => ({
  refId, datasource: POSTGRES, editorMode: 'code', rawQuery: true, format, rawSql,
});

export const promTarget = (expr: string, legendFormat: string, refId: string): PromTarget => ({
  refId, datasource: PROMETHEUS, expr, legendFormat,
});

function options(spec: PanelSpec): Record<string, unknown> {
  switch (spec.type) {
    case 'timeseries':
      return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } };
    case 'table':
      return { showHeader: true, cellHeight: 'sm' };
    case 'stat':
      return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' };
    case 'barchart':
      return { orientation: 'horizontal', showValue: 'auto', legend: { showLegend: false } };
  }
}

function defaults(spec: PanelSpec): Record<string, unknown> {
  const custom =
    spec.type === 'timeseries'
      ? {
          drawStyle: spec.bars ? 'bars' : 'line',
          fillOpacity: spec.stacked || spec.bars ? 60 : 10,
          stacking: { mode: spec.stacked ? 'normal' : 'none', group: 'A' },
          spanNulls: true,
        }
      : {};
  return { unit: spec.unit ?? 'short', custom };
}

/** Lays panels out left to right in rows of 24 columns and numbers them. */
export function layout(datasource: Datasource, items: ReadonlyArray<[PanelSpec, Panel['targets']]>): Panel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return items.map(([spec, targets], index) => {
    if (x + spec.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const panel: Panel = {
      id: index + 1,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      datasource,
      gridPos: { x, y, w: spec.w, h: spec.h },
      targets,
      fieldConfig: {
        defaults: defaults(spec),
        overrides: Object.entries(spec.columnUnits ?? {}).map(([name, unit]) => ({
          matcher: { id: 'byName', options: name },
          properties: [{ id: 'unit', value: unit }],
        })),
      },
      options: options(spec),
    };
    x += spec.w;
    rowHeight = Math.max(rowHeight, spec.h);
    return panel;
  });
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'utc';
  editable: false;
  schemaVersion: 39;
  version: 1;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: unknown[] };
  annotations: { list: unknown[] };
  panels: Panel[];
}

export function dashboard(
  fields: Pick<Dashboard, 'uid' | 'title' | 'description' | 'refresh' | 'time' | 'panels'> & { variables?: unknown[] },
): Dashboard {
  return {
    uid: fields.uid,
    title: fields.title,
    description: fields.description,
    tags: ['o2c'],
    timezone: 'utc',
    editable: false,
    schemaVersion: 39,
    version: 1,
    refresh: fields.refresh,
    time: fields.time,
    templating: { list: fields.variables ?? [] },
    annotations: { list: [] },
    panels: fields.panels,
  };
}
