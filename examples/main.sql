-- eddy's main job: orders from the built-in generator, counted per area every 15 minutes.
-- Run it with:  go run ./cmd/eddy run examples/main.sql --format table
--
-- The generator makes 100,000 orders, 25,000 a second; each order is 100 ms after the
-- previous one (event time, from the sequence number), so the job covers ~2.8 hours of
-- event time and a 15-minute window closes every ~0.4 s of wall time.

CREATE TABLE orders (
  order_id BIGINT,
  area     INT,
  amount   DOUBLE,
  ts AS TO_TIMESTAMP_LTZ(1793491200000 + order_id * 100, 3),
  WATERMARK FOR ts AS ts - INTERVAL '30' SECOND
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '25000',
  'number-of-rows' = '100000',
  'seed' = '42',
  'fields.order_id.kind' = 'sequence',
  'fields.order_id.start' = '1',
  'fields.order_id.end' = '100000',
  'fields.area.min' = '1',
  'fields.area.max' = '5',
  'fields.amount.min' = '5',
  'fields.amount.max' = '120'
);

-- Busiest areas per 15 minutes: orders, revenue and the largest order, per area.
SELECT window_start, window_end, area,
       COUNT(*) AS orders,
       ROUND(SUM(amount), 2) AS revenue,
       ROUND(MAX(amount), 2) AS largest
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '15' MINUTE))
GROUP BY window_start, window_end, area
HAVING COUNT(*) > 1500;
