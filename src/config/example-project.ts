import { CONNECTOR_SCHEMA_FILE, PROJECT_SCHEMA_FILE } from './export-json-schema.js';

/** The port the example's webhook URL defaults to (`sluice sandbox webhook --port 8788` listens there). */
export const EXAMPLE_WEBHOOK_PORT = 8788;

/** The files of the example project `sluice init` writes, by relative path (the JSON Schemas are written besides). */
export function exampleProjectFiles(): Record<string, string> {
  return {
    'sluice.yaml': SLUICE_YAML,
    'models/customers.sql': CUSTOMERS_SQL,
    'data/customers.csv': CUSTOMERS_CSV,
    'connectors/webhook-example.yaml': WEBHOOK_CONNECTOR,
    '.gitignore': '.sluice/\n',
    'README.md': README,
  };
}

const SLUICE_YAML = `# yaml-language-server: $schema=./schemas/${PROJECT_SCHEMA_FILE}
# A Sluice project: connections, and syncs that move rows between them. Check it with: sluice validate
version: 1
state: .sluice                       # run history and what was delivered (SQLite and DuckDB files)

connections:
  warehouse:
    type: duckdb
    path: ":memory:"                 # DuckDB reads data/customers.csv directly (see models/customers.sql)
  webhook:
    type: http
    connector: ./connectors/webhook-example.yaml
    # Where to send: set WEBHOOK_URL, or run \`sluice sandbox webhook --port ${EXAMPLE_WEBHOOK_PORT}\` for a local sink.
    base_url: "\${env:WEBHOOK_URL:-http://127.0.0.1:${EXAMPLE_WEBHOOK_PORT}}"

syncs:
  customers_to_webhook:
    description: New and changed customers, posted to the webhook as JSON
    from:
      connection: warehouse
      sql: models/customers.sql
    to: { connection: webhook, endpoint: upsert_customer }
    mode: upsert                     # new rows and changed rows are sent; unchanged rows are skipped
    key: id                          # the column that identifies a customer
    schedule: "0 * * * *"            # hourly, when \`sluice serve\` runs the scheduler
    on_error: { max_failed_rows: 0 } # any rejected row fails the run (rows that went through stay delivered)
`;

const CUSTOMERS_SQL = `-- The customers to send. DuckDB reads the CSV file directly (paths are relative to the project directory).
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
`;

const CUSTOMERS_CSV = `id,name,email,country,lifetime_value,signed_up,note
1,Ada Lovelace,ada@example.com,GB,1520.50,2024-01-15,First customer
2,山田 太郎,taro.yamada@example.jp,JP,980.00,2024-02-03,日本語でのご連絡を希望
3,José Núñez,jose@example.es,ES,250.00,2024-02-20,
4,"O'Brien, Siobhán",siobhan@example.ie,IE,1200.00,2024-03-01,"Said ""call me Shiv"" on the phone"
5,Zoë Müller,zoe@example.de,DE,75.25,2024-03-12,"Two things:
- renew in May
- asked about the API"
6,Björk Guðmundsdóttir,bjork@example.is,IS,3100.00,2024-04-02,VIP 🎉
7,Олег Петров,oleg@example.ru,RU,0.00,2024-04-18,Trial only
8,李小龙,xiaolong@example.cn,CN,640.75,2024-05-05,"Commas, inside, a note"
9,Amélie Poulain,amelie@example.fr,FR,310.00,2024-05-21,Backslash \\ kept as is
10,Nguyễn Văn An,an@example.vn,VN,1999.99,2024-06-09,
11,Fatima Zahra,fatima@example.ma,MA,45.00,2024-06-30,"Line one
Line two"
12,Grace Hopper,grace@example.com,US,5000.00,2024-07-04,"Emoji 🚀 and ""quotes"""
`;

const WEBHOOK_CONNECTOR = `# yaml-language-server: $schema=../schemas/${CONNECTOR_SCHEMA_FILE}
# An example connector: one HTTP API described in YAML. Copy it to describe your own:
# base_url, auth, endpoints (to write records) and streams (to read them).
name: webhook-example
title: Example webhook
description: Posts each new or changed customer as JSON to a webhook.
base_url: http://127.0.0.1:${EXAMPLE_WEBHOOK_PORT}   # a connection may override it (base_url:)
auth:
  - type: none
  - type: bearer                     # a connection may send a token: auth: { type: bearer, token: "\${env:WEBHOOK_TOKEN}" }
endpoints:
  upsert_customer:
    operation: upsert                # the webhook receives the latest state of each new or changed customer
    method: POST
    path: /hooks/customers
    headers: { Content-Type: application/json }
    # A Liquid template rendered once per row. In a JSON body every {{ }} is escaped for a JSON string,
    # so quotes, backslashes and newlines in the data are safe; | json writes a whole JSON value.
    body: |
      {
        "id": {{ row.id | json }},
        "name": "{{ row.name }}",
        "email": {{ row.email | json }},
        "country": "{{ row.country }}",
        "lifetime_value": {{ row.lifetime_value | json }},
        "tier": "{% if row.lifetime_value >= 1000 %}gold{% else %}standard{% endif %}",
        "note": {{ row.note | json }}
      }
    response:
      record_id: "{{ response.body.id }}"   # kept, so the next run knows the record was delivered
`;

const README = `# A Sluice project

This project sends customers from a CSV file (queried with DuckDB) to a webhook, and on later runs sends
only the customers that are new or changed.

| file | what it is |
|---|---|
| \`sluice.yaml\` | connections and the sync \`customers_to_webhook\` |
| \`models/customers.sql\` | the query that reads \`data/customers.csv\` |
| \`connectors/webhook-example.yaml\` | the webhook API described in YAML, with a Liquid JSON body |
| \`schemas/\` | JSON Schemas: your editor autocompletes and checks the YAML files (\`sluice schema schemas\` rewrites them) |

Run the commands from this directory:

\`\`\`sh
sluice validate                               # checks sluice.yaml and the connector
sluice sandbox webhook --port ${EXAMPLE_WEBHOOK_PORT}            # in another terminal: a local webhook that keeps what it receives
sluice sync preview customers_to_webhook      # what would be sent; sends nothing
sluice sync run customers_to_webhook          # sends the 12 customers
sluice sync run customers_to_webhook          # sends nothing: nothing changed
\`\`\`

To send to your own endpoint, set \`WEBHOOK_URL\` (for example a request-bin URL) before running.
Edit a row of \`data/customers.csv\` and run again: only that customer is sent.

## SQL variables

A \`$name$\` in a query is replaced before it runs: the built-ins \`$today$\`, \`$yesterday$\` (YYYY-MM-DD, UTC),
\`$now$\` and \`$run_id$\`, and the variables a sync declares under \`from.variables\`:

\`\`\`yaml
variables:
  day: { type: date, offset: -1d, format: "%Y-%m-%d", timezone: Asia/Tokyo }
  country: { type: string, default: JP }
  max_rows: { type: number, default: 1000 }
\`\`\`

Values are inserted as they are, so quote strings and dates in the SQL yourself: \`WHERE country = '$country$'\`.
\`sluice sync run NAME --var country=DE\` overrides a declared variable for one run; it is checked against the
type (a number must be a number, a date YYYY-MM-DD or ISO-8601, an identifier \`name\` or \`schema.name\`), and no
value can change the SQL around it: an identifier goes in quoted for the database, a negative number in
parentheses, and a string or formatted date may not contain quotes, \`\\\`, \`--\`, \`/*\` or a line break. A bad value
or an undeclared \`--var\` name stops the command (exit 2) before anything runs.
Any \`$word$\` is a variable, even in a comment; \`$$\` and \`$1\` are left alone.
`;
