-- A week of BigQuery job history, shaped like `region-asia-northeast1`.INFORMATION_SCHEMA.JOBS (the columns the
-- query reads). DuckDB keeps one schema per region, as BigQuery keeps one JOBS view per region.
-- Times are UTC, as BigQuery stores them; "yesterday" is a day in Asia/Tokyo (UTC+9), so the jobs at 15:10 UTC on
-- 03-09 and 15:30 UTC on 03-10 fall on 03-10 and 03-11 in Tokyo.
CREATE SCHEMA IF NOT EXISTS "region-asia-northeast1";
CREATE OR REPLACE TABLE "region-asia-northeast1".jobs (
  job_id VARCHAR,
  project_id VARCHAR,
  principal_subject VARCHAR,
  total_bytes_billed BIGINT,
  job_type VARCHAR,
  referenced_tables STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR)[],
  destination_table STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR),
  labels STRUCT(key VARCHAR, value VARCHAR)[],
  query VARCHAR,
  creation_time TIMESTAMPTZ
);
INSERT INTO "region-asia-northeast1".jobs VALUES
  ('bquxjob_3a91c2_0308', 'sluice-test', 'user:ken.sato@example.com', 6047313952768, 'QUERY',
   [{'project_id': 'sluice-test', 'dataset_id': 'logs', 'table_id': 'events'}],
   {'project_id': 'sluice-test', 'dataset_id': '_script7f3a', 'table_id': 'anon_events'},
   [{'key': 'team', 'value': 'platform'}],
   'SELECT * FROM logs.events', '2025-03-08 02:14:00+00'),
  ('bquxjob_51d0e7_0309', 'sluice-test', 'user:aiko.tanaka@example.com', 858993459200, 'QUERY',
   [{'project_id': 'sluice-test', 'dataset_id': 'sales', 'table_id': 'orders'}],
   {'project_id': 'sluice-test', 'dataset_id': '_script1b2c', 'table_id': 'anon_orders'},
   [],
   'SELECT customer_email, COUNT(*) FROM sales.orders GROUP BY 1', '2025-03-09 03:00:00+00'),
  ('bquxjob_7c2d19_0310', 'sluice-test', 'user:aiko.tanaka@example.com', 1288490188800, 'QUERY',
   [{'project_id': 'sluice-test', 'dataset_id': 'sales', 'table_id': 'orders'},
    {'project_id': 'sluice-test', 'dataset_id': 'sales', 'table_id': 'order_items'}],
   {'project_id': 'sluice-test', 'dataset_id': 'marts', 'table_id': 'weekly_kpi'},
   [{'key': 'dashboard', 'value': 'weekly_kpi'}, {'key': 'team', 'value': 'growth'}],
   'SELECT o.order_id, o.customer_email, SUM(i.amount) AS "total"
FROM sales.orders AS o
JOIN sales.order_items AS i USING (order_id)
WHERE o.status = ''shipped''  -- no filter on order_date: every partition is read
GROUP BY 1, 2', '2025-03-09 15:10:00+00'),
  ('bquxjob_9e4f20_0310', 'sluice-test', 'serviceAccount:etl@sluice-test.iam.gserviceaccount.com', 332859965440, 'QUERY',
   [{'project_id': 'sluice-test', 'dataset_id': 'logs', 'table_id': 'events'}],
   {'project_id': 'sluice-test', 'dataset_id': 'marts', 'table_id': 'daily_events'},
   [{'key': 'team', 'value': 'platform'}],
   'INSERT INTO marts.daily_events SELECT DATE(ts), COUNT(*) FROM logs.events GROUP BY 1', '2025-03-10 02:00:00+00'),
  ('bquxjob_0b6a44_0310', 'sluice-test', 'serviceAccount:etl@sluice-test.iam.gserviceaccount.com', 0, 'LOAD',
   [],
   {'project_id': 'sluice-test', 'dataset_id': 'logs', 'table_id': 'events'},
   [],
   NULL, '2025-03-10 05:00:00+00'),
  ('bquxjob_8f0e31_0310', 'sluice-test', 'user:ken.sato@example.com', 102005473280, 'QUERY',
   [{'project_id': 'sluice-test', 'dataset_id': 'sales', 'table_id': 'customers'}],
   {'project_id': 'sluice-test', 'dataset_id': '_script9d8e', 'table_id': 'anon_customers'},
   [],
   'SELECT country, COUNT(*) FROM sales.customers GROUP BY country', '2025-03-10 08:45:00+00'),
  ('bquxjob_c4e7a8_0310', 'other-project', 'user:mika.ito@example.com', 9895604649984, 'QUERY',
   [{'project_id': 'other-project', 'dataset_id': 'raw', 'table_id': 'clicks'}],
   {'project_id': 'other-project', 'dataset_id': '_script0a1b', 'table_id': 'anon_clicks'},
   [],
   'SELECT * FROM raw.clicks', '2025-03-10 09:00:00+00'),
  ('bquxjob_5d3b72_0311', 'sluice-test', 'user:ken.sato@example.com', 4398046511104, 'QUERY',
   [{'project_id': 'sluice-test', 'dataset_id': 'logs', 'table_id': 'events'}],
   {'project_id': 'sluice-test', 'dataset_id': '_script2c3d', 'table_id': 'anon_events'},
   [],
   'SELECT user_id, COUNT(*) FROM logs.events GROUP BY 1', '2025-03-10 15:30:00+00'),
  ('bquxjob_e2f813_0312', 'sluice-test', 'user:aiko.tanaka@example.com', 214748364800, 'QUERY',
   [{'project_id': 'sluice-test', 'dataset_id': 'sales', 'table_id': 'orders'}],
   {'project_id': 'sluice-test', 'dataset_id': '_script4e5f', 'table_id': 'anon_orders'},
   [],
   'SELECT * FROM sales.orders WHERE order_date = CURRENT_DATE()', '2025-03-12 01:20:00+00');
