import { CURRENCY, currencyVariable, dashboard, layout, POSTGRES, sql, sqlTarget, type Dashboard } from './panels.ts';

// For the credit team: who is near or over their limit, what is held and for how long.
// Money is shown in major units (minor / 100) of the selected currency; the customer list is that currency's.

const customerVariable = {
  type: 'query',
  name: 'customer',
  label: 'Customer',
  datasource: POSTGRES,
  query: `SELECT customer_id FROM reporting.customers WHERE currency = ${CURRENCY} ORDER BY customer_id`,
  definition: `SELECT customer_id FROM reporting.customers WHERE currency = ${CURRENCY} ORDER BY customer_id`,
  refresh: 2,
  multi: true,
  includeAll: true,
  current: { selected: true, text: ['All'], value: ['$__all'] },
};

export const creditOverview: Dashboard = dashboard({
  uid: 'o2c-credit-overview',
  title: 'Credit overview',
  description: 'Exposure against limits, utilisation, credit holds and releases.',
  refresh: '1m',
  time: { from: 'now-30d', to: 'now' },
  variables: [currencyVariable, customerVariable],
  panels: layout(POSTGRES, [
    [
      {
        type: 'stat', title: 'Held order value', w: 6, h: 4,
        description: 'Orders in the currency on credit hold now, not cancelled.',
      },
      [sqlTarget(sql`
        -- Held orders are not part of exposure: this is the value waiting on a credit decision.
        SELECT coalesce(sum(amount_minor), 0) / 100.0 AS "Held order value"
        FROM reporting.held_orders
        WHERE currency = ${CURRENCY}`, 'table')],
    ],
    [
      { type: 'stat', title: 'Held orders', description: 'Orders in the currency on credit hold now.', w: 6, h: 4 },
      [sqlTarget(sql`
        SELECT count(*) AS "Held orders" FROM reporting.held_orders WHERE currency = ${CURRENCY}`, 'table')],
    ],
    [
      {
        type: 'stat', title: 'Customers on hold', w: 6, h: 4,
        description: 'Customers (of every currency) with a customer-level credit hold in force.',
      },
      [sqlTarget(sql`SELECT count(*) FILTER (WHERE on_hold) AS "Customers on hold" FROM reporting.customers`, 'table')],
    ],
    [
      {
        type: 'stat', title: 'Over limit', w: 6, h: 4,
        description: 'Customers (of every currency) whose exposure exceeds their effective limit.',
      },
      [sqlTarget(sql`SELECT count(*) FILTER (WHERE utilization > 1) AS "Over limit" FROM reporting.customers`, 'table')],
    ],
    [
      {
        type: 'timeseries', title: 'Exposure vs limit', w: 16, h: 9,
        description: 'Exposure and effective limit of the selected customers, from every exposure snapshot.',
      },
      [sqlTarget(sql`
        SELECT at AS "time", customer_id || ' exposure' AS metric, exposure_minor / 100.0 AS value
        FROM reporting.exposure_history
        WHERE $__timeFilter(at) AND customer_id IN ($customer) AND currency = ${CURRENCY}
        UNION ALL
        SELECT at, customer_id || ' limit', limit_minor / 100.0
        FROM reporting.exposure_history
        WHERE $__timeFilter(at) AND customer_id IN ($customer) AND currency = ${CURRENCY}
        ORDER BY 1`, 'time_series')],
    ],
    [
      {
        type: 'table', title: 'Top utilisation', w: 8, h: 9,
        description: 'Customers of the currency by exposure / effective limit, latest snapshot.',
        columnUnits: { 'Utilisation': 'percentunit', 'Exposure': 'short', 'Limit': 'short' },
      },
      [sqlTarget(sql`
        SELECT customer_id AS "Customer", utilization AS "Utilisation", exposure_minor / 100.0 AS "Exposure",
               effective_limit_minor / 100.0 AS "Limit", on_hold AS "On hold", delinquency_status AS "Delinquency"
        FROM reporting.customers
        WHERE utilization IS NOT NULL AND currency = ${CURRENCY}
        ORDER BY utilization DESC, customer_id
        LIMIT 20`, 'table')],
    ],
    [
      {
        type: 'timeseries', title: 'Holds and releases', w: 12, h: 8, bars: true,
        description: 'Order credit decisions per day: held, released (automatic or manual) and rejected.',
      },
      [sqlTarget(sql`
        SELECT $__timeGroupAlias(occurred_at, '1d'),
               count(*) FILTER (WHERE event_type = 'OrderCreditHeld') AS "Held",
               count(*) FILTER (WHERE event_type = 'OrderCreditReleased') AS "Released",
               count(*) FILTER (WHERE event_type = 'OrderCreditRejected') AS "Rejected"
        FROM reporting.credit_events
        WHERE $__timeFilter(occurred_at)
          AND event_type IN ('OrderCreditHeld', 'OrderCreditReleased', 'OrderCreditRejected')
        GROUP BY 1
        ORDER BY 1`, 'time_series')],
    ],
    [
      {
        type: 'timeseries', title: 'Hold duration', w: 12, h: 8, unit: 'h',
        description: 'How long orders released or rejected that day had been held (event time), mean and 90th percentile.',
      },
      [sqlTarget(sql`
        SELECT $__timeGroupAlias(occurred_at, '1d'),
               avg(held_ms) / 3600000.0 AS "Mean hours held",
               percentile_cont(0.9) WITHIN GROUP (ORDER BY held_ms) / 3600000.0 AS "p90 hours held"
        FROM reporting.credit_events
        WHERE $__timeFilter(occurred_at) AND event_type IN ('OrderCreditReleased', 'OrderCreditRejected')
        GROUP BY 1
        ORDER BY 1`, 'time_series')],
    ],
    [
      {
        type: 'timeseries', title: 'Credit actions taken and refused', w: 24, h: 8, bars: true,
        description: "Controllers' releases and rejections per day: taken, or refused as beyond the actor's authority (reporting.audit_log).",
      },
      [sqlTarget(sql`
        SELECT $__timeGroupAlias(occurred_at, '1d'),
               count(*) FILTER (WHERE outcome = 'ACCEPTED') AS "Taken",
               count(*) FILTER (WHERE outcome = 'REFUSED') AS "Refused"
        FROM reporting.audit_log
        WHERE $__timeFilter(occurred_at) AND outcome IN ('ACCEPTED', 'REFUSED')
        GROUP BY 1
        ORDER BY 1`, 'time_series')],
    ],
    [
      {
        type: 'table', title: 'Held orders', w: 24, h: 8,
        description: 'Orders in the currency waiting on credit, oldest first, with the reasons they were held.',
        columnUnits: { 'Amount': 'short', 'Hours held': 'h' },
      },
      [sqlTarget(sql`
        SELECT order_id AS "Order", customer_id AS "Customer", amount_minor / 100.0 AS "Amount",
               array_to_string(reasons, ', ') AS "Reasons", held_since AS "Held since",
               extract(epoch FROM ($__timeTo()::timestamptz - held_since)) / 3600 AS "Hours held"
        FROM reporting.held_orders
        WHERE currency = ${CURRENCY}
        ORDER BY held_since
        LIMIT 100`, 'table')],
    ],
  ]),
});
