import { CURRENCY, currencyVariable, dashboard, layout, POSTGRES, sql, sqlTarget, type Dashboard } from './panels.ts';

// For the credit team and risk managers: how the portfolio moves across the scoring service's risk classes month by
// month (reporting.scorecard_monthly, 0010), and a before/after comparison of two months picked with the `before`
// and `after` variables. A class in a month is the customer's class at the month's end; the late rate is of the
// invoices issued that month, by their class at issue. Money is in the selected currency only.

const MONTHS_SQL = (order: 'ASC' | 'DESC') =>
  `SELECT DISTINCT to_char(month, 'YYYY-MM') AS month FROM reporting.customer_class_monthly WHERE currency = ${CURRENCY} ORDER BY 1 ${order}`;

/** A month to compare: `before` lists the earliest first, `after` the latest, so by default they span the history. */
const monthVariable = (name: 'before' | 'after', label: string, order: 'ASC' | 'DESC') => ({
  type: 'query',
  name,
  label,
  datasource: POSTGRES,
  query: MONTHS_SQL(order),
  definition: MONTHS_SQL(order),
  refresh: 2,
  multi: false,
  includeAll: false,
});

const BEFORE = "to_date(${before:sqlstring}, 'YYYY-MM')";
const AFTER = "to_date(${after:sqlstring}, 'YYYY-MM')";
const CLASSES = "(SELECT unnest(ARRAY['A', 'B', 'C', 'D', 'E']) AS risk_class)";

/** The months of the time range, for the month-by-month panels. */
const IN_RANGE = 'month >= date_trunc(\'month\', $__timeFrom()::timestamptz) AND month <= $__timeTo()::date';

export const creditScorecard: Dashboard = dashboard({
  uid: 'o2c-credit-scorecard',
  title: 'Credit risk scorecard',
  description: 'Customers, AR, mean score, late rate and class migrations by risk class, month by month and before/after.',
  refresh: '5m',
  time: { from: 'now-2y', to: 'now' },
  variables: [currencyVariable, monthVariable('before', 'Before (month)', 'ASC'), monthVariable('after', 'After (month)', 'DESC')],
  panels: layout(POSTGRES, [
    [
      { type: 'stat', title: 'Customers scored, after', description: 'Customers with a score at the end of the after month.', w: 6, h: 4 },
      [sqlTarget(sql`
        SELECT coalesce(sum(customers), 0) AS "Customers"
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND month = ${AFTER}`, 'table')],
    ],
    [
      {
        type: 'stat', title: 'AR in classes D-E, after', unit: 'percent', w: 6, h: 4,
        description: 'Share of the open receivables at the end of the after month owed by customers in class D or E.',
      },
      [sqlTarget(sql`
        SELECT 100.0 * coalesce(sum(ar_open_minor) FILTER (WHERE risk_class IN ('D', 'E')), 0)
               / nullif(sum(ar_open_minor), 0) AS "AR in D-E"
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND month = ${AFTER}`, 'table')],
    ],
    [
      {
        type: 'stat', title: 'Late rate, before', unit: 'percent', w: 6, h: 4,
        description: 'Invoices issued in the before month and settled, the share settled after their due date.',
      },
      [sqlTarget(sql`
        SELECT 100.0 * sum(invoices_late) / nullif(sum(invoices_settled), 0) AS "Late rate"
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND month = ${BEFORE}`, 'table')],
    ],
    [
      {
        type: 'stat', title: 'Late rate, after', unit: 'percent', w: 6, h: 4,
        description: 'Invoices issued in the after month and settled, the share settled after their due date.',
      },
      [sqlTarget(sql`
        SELECT 100.0 * sum(invoices_late) / nullif(sum(invoices_settled), 0) AS "Late rate"
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND month = ${AFTER}`, 'table')],
    ],
    [
      {
        type: 'table', title: 'Scorecard, before and after', w: 24, h: 8,
        description: 'Per risk class: customers and open AR at the end of each month, their mean score, and the late rate of the invoices issued in it by class at issue.',
        columnUnits: { 'Late % before': 'percent', 'Late % after': 'percent' },
      },
      [sqlTarget(sql`
        SELECT k.risk_class AS "Class",
               coalesce(b.customers, 0) AS "Customers before", coalesce(a.customers, 0) AS "Customers after",
               coalesce(b.ar_open_minor, 0) / 100.0 AS "AR before", coalesce(a.ar_open_minor, 0) / 100.0 AS "AR after",
               round(b.mean_score, 1) AS "Mean score before", round(a.mean_score, 1) AS "Mean score after",
               round(100 * b.late_rate, 1) AS "Late % before", round(100 * a.late_rate, 1) AS "Late % after",
               coalesce(a.migrated_in, 0) AS "Moved in (after)", coalesce(a.migrated_out, 0) AS "Moved out (after)"
        FROM ${CLASSES} k
        LEFT JOIN reporting.scorecard_monthly b
          ON b.risk_class = k.risk_class AND b.currency = ${CURRENCY} AND b.month = ${BEFORE}
        LEFT JOIN reporting.scorecard_monthly a
          ON a.risk_class = k.risk_class AND a.currency = ${CURRENCY} AND a.month = ${AFTER}
        ORDER BY k.risk_class`, 'table')],
    ],
    [
      {
        type: 'barchart', title: 'Late rate by class at issue, before and after', w: 12, h: 8, unit: 'percent',
        description: 'Per class at issue: the share of the month\'s settled invoices that were settled after their due date.',
      },
      [sqlTarget(sql`
        SELECT k.risk_class AS "Class",
               coalesce(100 * b.late_rate, 0) AS "Before", coalesce(100 * a.late_rate, 0) AS "After"
        FROM ${CLASSES} k
        LEFT JOIN reporting.scorecard_monthly b
          ON b.risk_class = k.risk_class AND b.currency = ${CURRENCY} AND b.month = ${BEFORE}
        LEFT JOIN reporting.scorecard_monthly a
          ON a.risk_class = k.risk_class AND a.currency = ${CURRENCY} AND a.month = ${AFTER}
        ORDER BY k.risk_class`, 'table')],
    ],
    [
      {
        type: 'table', title: 'Class migrations, before to after', w: 12, h: 8,
        description: 'Customers scored at the end of the after month, by their class then and at the end of the before month.',
      },
      [sqlTarget(sql`
        SELECT coalesce(b.risk_class, 'not scored') AS "Before", a.risk_class AS "After", count(*) AS "Customers"
        FROM reporting.customer_class_monthly a
        LEFT JOIN reporting.customer_class_monthly b ON b.customer_id = a.customer_id AND b.month = ${BEFORE}
        WHERE a.currency = ${CURRENCY} AND a.month = ${AFTER}
        GROUP BY 1, 2
        ORDER BY 1, 2`, 'table')],
    ],
    [
      { type: 'timeseries', title: 'Customers by class', w: 12, h: 8, bars: true, stacked: true, description: 'Customers in each class at the end of each month.' },
      [sqlTarget(sql`
        SELECT month::timestamptz AS "time", risk_class AS metric, customers AS value
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND ${IN_RANGE} AND customers > 0
        ORDER BY 1, 2`, 'time_series')],
    ],
    [
      { type: 'timeseries', title: 'Open AR by class', w: 12, h: 8, bars: true, stacked: true, description: 'Open receivables at the end of each month, by the class of the customer then.' },
      [sqlTarget(sql`
        SELECT month::timestamptz AS "time", risk_class AS metric, ar_open_minor / 100.0 AS value
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND ${IN_RANGE} AND customers > 0
        ORDER BY 1, 2`, 'time_series')],
    ],
    [
      { type: 'timeseries', title: 'Mean score by class', w: 12, h: 8, description: 'Mean PAYDEX-style score of the customers in each class at the end of each month (customers with a score).' },
      [sqlTarget(sql`
        SELECT month::timestamptz AS "time", risk_class AS metric, mean_score AS value
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND ${IN_RANGE} AND mean_score IS NOT NULL
        ORDER BY 1, 2`, 'time_series')],
    ],
    [
      { type: 'timeseries', title: 'Late rate by class at issue', w: 12, h: 8, unit: 'percent', description: 'Per month of issue and class at issue: late / settled invoices.' },
      [sqlTarget(sql`
        SELECT month::timestamptz AS "time", risk_class AS metric, 100 * late_rate AS value
        FROM reporting.scorecard_monthly
        WHERE currency = ${CURRENCY} AND ${IN_RANGE} AND late_rate IS NOT NULL
        ORDER BY 1, 2`, 'time_series')],
    ],
    [
      {
        type: 'table', title: 'Class migrations month over month', w: 24, h: 8,
        description: 'Customers per month by their class at the end of the previous month and of this one (not scored: first scored this month).',
      },
      [sqlTarget(sql`
        SELECT to_char(month, 'YYYY-MM') AS "Month", coalesce(from_class, 'not scored') AS "From", to_class AS "To",
               customers AS "Customers"
        FROM reporting.class_migrations_monthly
        WHERE currency = ${CURRENCY} AND ${IN_RANGE} AND from_class IS DISTINCT FROM to_class
        ORDER BY month, 2, 3`, 'table')],
    ],
  ]),
});
