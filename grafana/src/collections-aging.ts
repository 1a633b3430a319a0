import { CURRENCY, currencyVariable, dashboard, layout, POSTGRES, sql, sqlTarget, type Dashboard } from './panels.ts';

// For collections: how receivables age, how fast they are collected, and who is furthest behind. Every figure is
// as of event dates, so a replayed ledger shows its own history: set the time range to the ledger's years. Money is
// in the selected currency only.

export const collectionsAging: Dashboard = dashboard({
  uid: 'o2c-collections-aging',
  title: 'Collections and aging',
  description: 'AR aging, DSO, best possible DSO, average days delinquent, CEI, delinquent customers and dunning.',
  refresh: '5m',
  time: { from: 'now-180d', to: 'now' },
  variables: [currencyVariable],
  panels: layout(POSTGRES, [
    [
      { type: 'stat', title: 'Open AR', description: 'Open receivables at the end of the time range.', w: 6, h: 4 },
      [sqlTarget(sql`
        SELECT coalesce(sum(total), 0) / 100.0 AS "Open AR"
        FROM reporting.ar_aging($__timeTo()::date)
        WHERE currency = ${CURRENCY}`, 'table')],
    ],
    [
      { type: 'stat', title: 'Overdue AR', description: 'Past-due receivables at the end of the time range.', w: 6, h: 4 },
      [sqlTarget(sql`
        SELECT coalesce(sum(total - current), 0) / 100.0 AS "Overdue AR"
        FROM reporting.ar_aging($__timeTo()::date)
        WHERE currency = ${CURRENCY}`, 'table')],
    ],
    [
      { type: 'stat', title: 'DSO', description: 'Days sales outstanding of the last month in the range.', w: 6, h: 4, unit: 'd' },
      [sqlTarget(sql`
        SELECT dso AS "DSO" FROM reporting.kpi_monthly
        WHERE currency = ${CURRENCY} AND month <= $__timeTo()::date ORDER BY month DESC LIMIT 1`, 'table')],
    ],
    [
      { type: 'stat', title: 'Average days delinquent', description: 'DSO minus best possible DSO, last month in the range.', w: 6, h: 4, unit: 'd' },
      [sqlTarget(sql`
        SELECT add AS "Average days delinquent" FROM reporting.kpi_monthly
        WHERE currency = ${CURRENCY} AND month <= $__timeTo()::date ORDER BY month DESC LIMIT 1`, 'table')],
    ],
    [
      {
        type: 'timeseries', title: 'AR aging', w: 24, h: 9, stacked: true,
        description: 'Open receivables by days past due, at the end of each day (a coarser step on long ranges).',
      },
      [sqlTarget(sql`
        -- At most ~200 points: one aging per step, each computed from event dates.
        SELECT d AS "time",
               sum(a.current) / 100.0 AS "Current", sum(a.d1_30) / 100.0 AS "1-30",
               sum(a.d31_60) / 100.0 AS "31-60", sum(a.d61_90) / 100.0 AS "61-90", sum(a.d90_plus) / 100.0 AS "90+"
        FROM generate_series(
               date_trunc('day', $__timeFrom()::timestamptz), $__timeTo()::timestamptz,
               greatest(interval '1 day', date_trunc('day', ($__timeTo()::timestamptz - $__timeFrom()::timestamptz) / 200))
             ) AS d
        CROSS JOIN LATERAL reporting.ar_aging(d::date) a
        WHERE a.currency = ${CURRENCY}
        GROUP BY d
        ORDER BY d`, 'time_series')],
    ],
    [
      {
        type: 'timeseries', title: 'DSO, best possible DSO and ADD', w: 12, h: 8, unit: 'd', bars: true,
        description: 'Per month: DSO = ending AR / credit sales x days; best possible = current AR / credit sales x days; ADD = the difference.',
      },
      [sqlTarget(sql`
        SELECT month::timestamptz AS "time", dso AS "DSO", best_possible_dso AS "Best possible DSO",
               add AS "ADD"
        FROM reporting.kpi_monthly
        WHERE currency = ${CURRENCY}
          AND month >= date_trunc('month', $__timeFrom()::timestamptz) AND month <= $__timeTo()::date
        ORDER BY 1`, 'time_series')],
    ],
    [
      {
        type: 'timeseries', title: 'Collection effectiveness (CEI)', w: 12, h: 8, unit: 'percent', bars: true,
        description: 'Per month: (beginning AR + credit sales - ending AR) / (beginning AR + credit sales - ending current AR).',
      },
      [sqlTarget(sql`
        SELECT month::timestamptz AS "time", cei AS "CEI", avg_days_late_paid AS "Mean days late (paid)"
        FROM reporting.kpi_monthly
        WHERE currency = ${CURRENCY}
          AND month >= date_trunc('month', $__timeFrom()::timestamptz) AND month <= $__timeTo()::date
        ORDER BY 1`, 'time_series')],
    ],
    [
      {
        type: 'table', title: 'Worst delinquent customers', w: 12, h: 9,
        description: 'Customers with past-due receivables at the end of the time range, most days past due first.',
        columnUnits: { 'Overdue': 'short', 'Open': 'short', 'Worst days past due': 'd' },
      },
      [sqlTarget(sql`
        SELECT customer_id AS "Customer", worst_dpd AS "Worst days past due", overdue_minor / 100.0 AS "Overdue",
               overdue_count AS "Overdue invoices", open_minor / 100.0 AS "Open"
        FROM reporting.delinquent_customers($__timeTo()::date)
        WHERE currency = ${CURRENCY}
        ORDER BY worst_dpd DESC, overdue_minor DESC
        LIMIT 20`, 'table')],
    ],
    [
      {
        type: 'barchart', title: 'Dunning stages', w: 12, h: 9,
        description: 'Invoices that reached each dunning stage in the time range, in ladder order.',
      },
      [sqlTarget(sql`
        SELECT stage AS "Stage", count(*) AS "Invoices"
        FROM reporting.delinquency_events
        WHERE event_type = 'DunningStageReached' AND $__timeFilter(occurred_at)
        GROUP BY stage
        ORDER BY min(days_past_due)`, 'table')],
    ],
    [
      {
        type: 'timeseries', title: 'Dunning stages over time', w: 24, h: 8, bars: true, stacked: true,
        description: 'Dunning steps reached per day, by stage.',
      },
      [sqlTarget(sql`
        SELECT $__timeGroupAlias(occurred_at, '1d'), stage AS metric, count(*) AS value
        FROM reporting.delinquency_events
        WHERE event_type = 'DunningStageReached' AND $__timeFilter(occurred_at)
        GROUP BY 1, 2
        ORDER BY 1`, 'time_series')],
    ],
    [
      {
        type: 'table', title: 'Collections worklist', w: 24, h: 9,
        description:
          'Whom to contact today (as of the latest business date): accounts whose latest judged promise to pay was broken first, then by expected loss: undisputed overdue amount x days past due x the latest late-payment probability (1 unscored); disputes are listed, not chased. The last dunning stage reached is the last overdue notice; the last notice is the latest notice issued, with where its delivery stands (SENT, RETRYING, DEAD; empty: not mailed).',
        columnUnits: { 'Overdue': 'short', 'Disputed': 'short', 'Worst days past due': 'd', 'Late probability': 'percentunit', 'Promised (open)': 'short' },
      },
      [sqlTarget(sql`
        SELECT rank AS "Rank", customer_id AS "Customer", CASE WHEN broken_promise THEN 'broken ' || last_broken_promise_date ELSE '' END AS "Promise",
               expected_loss AS "Expected loss", overdue_minor / 100.0 AS "Overdue",
               overdue_invoices AS "Overdue invoices", worst_dpd AS "Worst days past due", late_probability AS "Late probability",
               disputed_minor / 100.0 AS "Disputed", coalesce(last_dunning_stage, '') AS "Last dunning stage",
               last_dunning_date AS "Last dunning", open_promise_minor / 100.0 AS "Promised (open)", next_promise_date AS "Promised by",
               coalesce(last_notice_type, '') AS "Last notice", last_notice_date AS "Last notice date",
               coalesce(last_notice_delivery, '') AS "Delivery", last_notice_sent_date AS "Last mailed",
               dead_lettered_notices AS "Dead-lettered notices"
        FROM reporting.collections_worklist
        WHERE currency = ${CURRENCY}
        ORDER BY rank
        LIMIT 25`, 'table')],
    ],
    [
      {
        type: 'table', title: 'Notification dead letters', w: 24, h: 8,
        description:
          'Notices the SMTP delivery gave up on in the time range (a 5xx, or SMTP_MAX_ATTEMPTS 4xx answers): what, to whom, after how many attempts and why. Fix the address in the profile, then send the notice by hand.',
      },
      [sqlTarget(sql`
        SELECT failed_at AS "Failed at", customer_id AS "Customer", notice_type AS "Notice",
               coalesce(invoice_id, order_id, '') AS "Invoice or order", coalesce(stage, '') AS "Stage", notice_date AS "Notice date",
               recipient AS "Recipient", attempts AS "Attempts", CASE WHEN permanent THEN 'refused' ELSE 'retries exhausted' END AS "Why",
               last_error AS "Last error"
        FROM reporting.notification_dead_letters
        WHERE $__timeFilter(failed_at)
        ORDER BY failed_at DESC
        LIMIT 50`, 'table')],
    ],
  ]),
});
