/**
 * BigQuery Standard SQL rewritten for the simulator's DuckDB: backticked table paths become DuckDB
 * names (`project.dataset.table` → "dataset"."table"), `region-xx`.INFORMATION_SCHEMA.JOBS* becomes
 * the local jobs table, and a few functions get their DuckDB spelling. SQL common to both dialects
 * passes unchanged; this is a simulator, not a translator.
 */
export function bigqueryToDuckdbSql(sql: string, projectId: string): string {
  return sql
    .replace(/`region-[\w-]+`\s*\.\s*INFORMATION_SCHEMA\s*\.\s*JOBS\w*/gi, 'information_schema_jobs')
    .replace(/`([^`]+)`/g, (_, path: string) => {
      const parts = path.split('.');
      if (parts.length === 3 && parts[0] === projectId) parts.shift();
      return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
    })
    .replace(/\bCURRENT_TIMESTAMP\s*\(\s*\)/gi, 'CURRENT_TIMESTAMP')
    .replace(/\bSAFE_CAST\s*\(/gi, 'TRY_CAST(');
}

/** DuckDB macros and types standing in for BigQuery's own names (DuckDB already knows INT64, STRING and BOOL). */
export const bigqueryCompatibilitySql = `
  CREATE MACRO timestamp_sub(t, i) AS t - i;
  CREATE MACRO timestamp_add(t, i) AS t + i;
  CREATE TYPE FLOAT64 AS DOUBLE;
  CREATE TYPE BYTES AS BLOB;
  CREATE TYPE BIGNUMERIC AS DECIMAL(38, 9);
`;
