-- The console's worklist pages through the held orders oldest first with a keyset cursor (held_since, order_id):
-- with this index a page reads its 50 rows in order instead of sorting every held order (services/console,
-- bench:console). Partial: only the orders on hold now, the ones reporting.held_orders shows.
CREATE INDEX orders_held_since_idx ON reporting.orders (decided_at, order_id) WHERE decision = 'HELD' AND cancelled_at IS NULL;
