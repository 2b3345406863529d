-- For the BigQuery simulator only (`sluice sandbox bigquery`): it answers `region-*`.INFORMATION_SCHEMA.JOBS from
-- its table information_schema_jobs; point that name at the jobs seed/jobs.sql wrote. Never run this on BigQuery.
DROP TABLE IF EXISTS information_schema_jobs;
CREATE VIEW information_schema_jobs AS SELECT * FROM "region-asia-northeast1".jobs;
