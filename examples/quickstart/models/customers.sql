-- The customers to send. DuckDB reads the CSV file directly (paths are relative to the project directory).
-- $today$ is a Sluice variable: replaced with today's date (YYYY-MM-DD) before the query runs.
SELECT
  id,
  name,
  email,
  country,
  lifetime_value,
  signed_up,
  note
FROM read_csv_auto('data/customers.csv', header = true)
WHERE signed_up <= CAST('$today$' AS DATE)
ORDER BY id
