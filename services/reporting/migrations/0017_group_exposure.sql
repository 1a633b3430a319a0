-- Corporate groups' exposure against their group limit (o2c.group-exposure.v1, by services/exposure): each group's
-- latest snapshot, versioned by exposure_at (the snapshot's event time), and every snapshot as history (append-only
-- for the sink: a redelivery is ON CONFLICT DO NOTHING). group_id is the parent's customer_id.
CREATE TABLE reporting.group_exposure (
  group_id              text PRIMARY KEY,
  currency              text NOT NULL,
  exposure_minor        bigint NOT NULL,
  open_orders_minor     bigint NOT NULL,
  open_ar_minor         bigint NOT NULL,
  unapplied_cash_minor  bigint NOT NULL,
  held_orders_minor     bigint NOT NULL,
  held_order_count      integer NOT NULL,
  group_limit_minor     bigint NOT NULL,
  utilization           numeric(10, 4) NOT NULL, -- exposure / group limit, 1 = at the limit; 0 without a limit
  member_count          integer NOT NULL,
  over_limit            boolean NOT NULL,
  exposure_at           timestamptz NOT NULL
);

CREATE TABLE reporting.group_exposure_history (
  event_id              uuid PRIMARY KEY,
  group_id              text NOT NULL,
  at                    timestamptz NOT NULL,
  currency              text NOT NULL,
  exposure_minor        bigint NOT NULL,
  group_limit_minor     bigint NOT NULL,
  held_orders_minor     bigint NOT NULL,
  utilization           numeric(10, 4) NOT NULL,
  member_count          integer NOT NULL,
  over_limit            boolean NOT NULL
);
CREATE INDEX group_exposure_history_group_idx ON reporting.group_exposure_history (group_id, at);
