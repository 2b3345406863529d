-- The same issue from BigQuery itself (Standard SQL): the reference query on INFORMATION_SCHEMA.JOBS.
-- Backticks inside strings are written CHR(96): the local BigQuery simulator (DuckDB underneath) rewrites every
-- `...` it sees as a table name; BigQuery reads both spellings alike.
WITH top AS (
  SELECT *
  FROM `region-$location$`.INFORMATION_SCHEMA.JOBS
  WHERE project_id = '$project_id$'
    AND job_type = 'QUERY'
    -- One day in Asia/Tokyo (UTC+9, no daylight saving time): its first and last instants.
    AND creation_time BETWEEN '$yesterday$ 00:00:00+09:00' AND '$yesterday$ 23:59:59.999999+09:00'
  ORDER BY total_bytes_billed DESC, job_id
  LIMIT 1
)
SELECT
  job_id,
  $backlog_project_id$ AS project_id,
  2 AS issue_type_id,
  CASE WHEN total_bytes_billed >= POW(1024, 4) THEN 2 ELSE 3 END AS priority_id,
  CONCAT('[BigQuery] $yesterday$ top scan: ', CAST(ROUND(total_bytes_billed / POW(1024, 4), 2) AS STRING),
         ' TiB billed by ', principal_subject) AS summary,
  CONCAT(
    '## Most expensive query on $yesterday$ (Asia/Tokyo)', CHR(10), CHR(10),
    '- Job: ', CHR(96), job_id, CHR(96), ' in project ', CHR(96), '$project_id$', CHR(96), ' ($location$)', CHR(10),
    '- Run by: ', principal_subject, CHR(10),
    '- Billed: **', CAST(ROUND(total_bytes_billed / POW(1024, 4), 2) AS STRING), ' TiB** (',
      CAST(total_bytes_billed AS STRING), ' bytes)', CHR(10),
    '- Tables read: ', CAST(ARRAY_LENGTH(referenced_tables) AS STRING), ', written: ', CHR(96),
      destination_table.dataset_id, '.', destination_table.table_id, CHR(96), CHR(10), CHR(10),
    REPEAT(CHR(96), 3), 'sql', CHR(10), query, CHR(10), REPEAT(CHR(96), 3), CHR(10), CHR(10),
    '> Can this query filter on a partition column, or read fewer columns than "SELECT *"?'
  ) AS description
FROM top
