-- Yesterday's (Asia/Tokyo) most expensive query of a project, as one Backlog issue (DuckDB).
-- $yesterday$, $project_id$, $location$ and $backlog_project_id$ are declared under from.variables in sluice.yaml.
WITH top AS (
  SELECT *
  FROM "region-$location$".jobs
  WHERE project_id = '$project_id$'
    AND job_type = 'QUERY'
    AND CAST(creation_time AT TIME ZONE 'Asia/Tokyo' AS DATE) = DATE '$yesterday$'
  ORDER BY total_bytes_billed DESC, job_id
  LIMIT 1
)
SELECT
  job_id,
  $backlog_project_id$ AS project_id,
  2 AS issue_type_id,                                              -- Task
  CASE WHEN total_bytes_billed >= POW(1024, 4) THEN 2 ELSE 3 END AS priority_id,   -- High from 1 TiB, else Normal
  CONCAT('[BigQuery] $yesterday$ top scan: ', CAST(ROUND(total_bytes_billed / POW(1024, 4), 2) AS VARCHAR),
         ' TiB billed by ', principal_subject) AS summary,
  CONCAT(
    '## Most expensive query on $yesterday$ (Asia/Tokyo)', chr(10), chr(10),
    '- Job: `', job_id, '` in project `$project_id$` ($location$)', chr(10),
    '- Run by: ', principal_subject, chr(10),
    '- Billed: **', CAST(ROUND(total_bytes_billed / POW(1024, 4), 2) AS VARCHAR), ' TiB** (',
      CAST(total_bytes_billed AS VARCHAR), ' bytes)', chr(10),
    '- Tables read: ', CAST(len(referenced_tables) AS VARCHAR), ', written: `',
      destination_table.dataset_id, '.', destination_table.table_id, '`', chr(10), chr(10),
    '```sql', chr(10), query, chr(10), '```', chr(10), chr(10),
    '> Can this query filter on a partition column, or read fewer columns than "SELECT *"?'
  ) AS description
FROM top
