// The examples of the key reference (docs/*-reference.md), by the section they illustrate. Each is a whole file (a
// connector spec or a sluice.yaml) so that a reader can copy it, and test/config/reference-docs.test.ts loads each one
// as `sluice validate` would: an example that stops being valid fails the build, not a reader.

/** One example: the section id it belongs to (`streams.NAME.paginate[type=cursor]`), a line saying what it shows, the file. */
export interface ReferenceExample {
  section: string;
  title: string;
  yaml: string;
}

export const connectorExamples: readonly ReferenceExample[] = [
  {
    section: '',
    title: 'a whole connector: one auth kind, one endpoint writing records, one stream reading them.',
    yaml: `
name: tickets
title: Tickets
config:
  subdomain: { type: string, required: true, description: Your account's subdomain (acme in acme.tickets.example) }
base_url: "https://{{ config.subdomain }}.tickets.example"
auth: { type: bearer }
headers: { Accept: application/json }
error_message: "{{ response.body.error.message }}"
endpoints:
  create_ticket:
    operation: create
    path: /api/tickets
    headers: { Content-Type: application/json }
    body: '{ "subject": {{ row.subject | json }}, "requester": {{ row.email | json }} }'
    response:
      record_id: "{{ response.body.ticket.id }}"
streams:
  tickets:
    path: /api/tickets
    records: "$.tickets"
    paginate: { type: cursor, cursor: "$.next_cursor", cursor_param: cursor }
    primary_key: id
`,
  },
  {
    section: 'config.NAME',
    title: 'settings a connection gives; templates read them as config.NAME.',
    yaml: `
name: shop
config:
  store: { type: string, required: true, description: The store's handle }
  api_version: { type: string, default: "2024-07" }
  page_size: { type: integer, default: 250 }
base_url: "https://{{ config.store }}.shop.example/api/{{ config.api_version }}"
streams:
  orders:
    path: /orders.json
    query: { limit: "{{ config.page_size }}" }
    records: "$.orders"
`,
  },
  {
    section: 'auth[type=none]',
    title: 'an open API, or one whose URL is its credential (base_url_secret).',
    yaml: `
name: incoming_webhook
base_url: "https://hooks.example.com/services/REPLACED-BY-THE-CONNECTION"
base_url_secret: true
auth: { type: none }
endpoints:
  post:
    operation: create
    path: ""
    headers: { Content-Type: application/json }
    body: '{ "text": {{ row.text | json }} }'
`,
  },
  {
    section: 'auth[type=api_key]',
    title: 'a key in a header with a scheme; the connection gives auth: { type: api_key, key } or several keys used in turn.',
    yaml: `
name: weather
base_url: "https://api.weather.example"
auth: { type: api_key, in: header, name: Authorization, scheme: Token, per_key_requests_per_second: 5 }
streams:
  stations: { path: /v1/stations, records: "$.stations" }
`,
  },
  {
    section: 'auth[type=basic]',
    title: 'HTTP Basic; the connection gives auth: { type: basic, username, password }.',
    yaml: `
name: mailer
base_url: "https://api.mailer.example/3.0"
auth: { type: basic }
streams:
  lists: { path: /lists, records: "$.lists" }
`,
  },
  {
    section: 'auth[type=bearer]',
    title: 'a fixed token in a header of its own; the connection gives auth: { type: bearer, token }.',
    yaml: `
name: records_api
base_url: "https://records.example"
auth: { type: bearer, header: X-Api-Token, scheme: "" }
streams:
  apps: { path: /k/v1/apps.json, records: "$.apps" }
`,
  },
  {
    section: 'auth[type=oauth2]',
    title: 'the authorization-code grant with PKCE and Basic client authentication at the token endpoint.',
    yaml: `
name: projects
config:
  space: { type: string, required: true }
base_url: "https://{{ config.space }}.projects.example"
auth:
  - type: oauth2
    authorization_url: "https://{{ config.space }}.projects.example/oauth/authorize"
    token_url: "https://{{ config.space }}.projects.example/oauth/token"
    scopes: [read, write]
    authorization_params: { access_type: offline }
    client_auth: basic
    pkce: true
  - { type: api_key, in: query, name: apiKey }
streams:
  projects: { path: /api/v2/projects }
`,
  },
  {
    section: 'auth[type=session]',
    title: 'a token from a login request, renewed before it expires and on a 401.',
    yaml: `
name: legacy_erp
config:
  username: { type: string, required: true }
  password: { type: string, required: true, secret: true }
base_url: "https://erp.example.com"
auth:
  type: session
  login:
    path: /api/login
    body: { user: "{{ config.username }}", password: "{{ config.password }}" }
    token_path: "$.session.token"
    expires_in_path: "$.session.expires_in"
  header: X-Session-Token
  scheme: ""
streams:
  invoices: { path: /api/invoices, records: "$.items" }
`,
  },
  {
    section: 'auth.login',
    title: 'see auth (type: session) above; a login whose token goes in a query parameter.',
    yaml: `
name: reports_api
config:
  username: { type: string, required: true }
  password: { type: string, required: true, secret: true }
base_url: "https://reports.example.com"
auth:
  type: session
  login:
    method: POST
    path: /session
    headers: { Content-Type: application/x-www-form-urlencoded }
    body: { login: "{{ config.username }}", password: "{{ config.password }}" }
    token_path: "$.sid"
    expires_in: 1800
  query_param: sid
streams:
  reports: { path: /reports, records: "$.reports" }
`,
  },
  {
    section: 'auth[type=jwt]',
    title: 'a Google service account: a JWT signed with the key from config, exchanged for an access token.',
    yaml: `
name: sheets
config:
  client_email: { type: string, required: true }
  private_key: { type: string, required: true, secret: true }
base_url: "https://sheets.googleapis.com"
auth:
  type: jwt
  algorithm: RS256
  private_key: "{{ config.private_key }}"
  claims:
    iss: "{{ config.client_email }}"
    scope: https://www.googleapis.com/auth/spreadsheets
    aud: https://oauth2.googleapis.com/token
  token_url: https://oauth2.googleapis.com/token
  lifetime_seconds: 3600
streams:
  values: { path: /v4/spreadsheets/SHEET_ID/values/A1:Z1000, records: "$.values" }
`,
  },
  {
    section: 'auth[type=oauth2_client_credentials]',
    title: 'a client\'s own token, its client id and secret in the token call\'s body.',
    yaml: `
name: marketing
config:
  munchkin_id: { type: string, required: true }
base_url: "https://{{ config.munchkin_id }}.mktorest.example"
auth:
  type: oauth2_client_credentials
  token_url: "https://{{ config.munchkin_id }}.mktorest.example/identity/oauth/token"
  client_auth: body
  token_params: { audience: rest }
streams:
  lists: { path: /rest/v1/lists.json, records: "$.result" }
`,
  },
  {
    section: 'rate_limit',
    title: 'the API\'s quota (100 requests in 10 seconds) with room to spare, and how long a request may take.',
    yaml: `
name: crm
base_url: "https://api.crm.example"
rate_limit: { requests_per_second: 9, concurrency: 4 }
retry: { max_attempts: 5, on_status: [429, 500, 502, 503, 504], initial_delay_ms: 500, max_delay_ms: 30000 }
timeouts: { connect_ms: 10000, read_ms: 60000, total_ms: 300000 }
streams:
  contacts: { path: /contacts, records: "$.results" }
`,
  },
  {
    section: 'responses[]',
    title: 'an API that says no with HTTP 200 (ok: false) and signals its quota with 403.',
    yaml: `
name: chat
base_url: "https://chat.example"
error_message: "{{ response.body.error }}"
responses:
  - { when: "response.status == 403 and response.body.code == 'REQUEST_LIMIT_EXCEEDED'", action: rate_limited }
  - { when: "response.status == 200 and response.body.error == 'invalid_auth'", action: fail, message: "the token was refused" }
  - { when: "response.status == 200 and response.body.ok == false", action: reject, message: "{{ response.body.error }}" }
endpoints:
  post_message:
    operation: create
    path: /api/chat.postMessage
    headers: { Content-Type: application/json }
    body: '{ "channel": {{ row.channel | json }}, "text": {{ row.text | json }} }'
`,
  },
  {
    section: 'endpoints.NAME',
    title: 'create, update by the kept remote id, delete, and a lookup finding records made before Sluice.',
    yaml: `
name: issues
base_url: "https://issues.example"
endpoints:
  add_issue:
    operation: create
    method: POST
    path: /api/v2/issues
    headers: { Content-Type: application/json }
    body: '{ "summary": {{ row.summary | json }}, "priority": {{ row.priority }} }'
    response: { record_id: "{{ response.body.id }}" }
  update_issue:
    operation: update
    method: PATCH
    path: "/api/v2/issues/{{ record.id }}"
    headers: { Content-Type: application/json }
    body: '{ "summary": {{ row.summary | json }} }'
  delete_issue:
    operation: delete
    method: DELETE
    path: "/api/v2/issues/{{ record.id }}"
  find_issue:
    operation: lookup
    method: GET
    path: /api/v2/issues
    query: { keyword: "{{ row.summary }}" }
    response: { record_id: "{{ response.body[0].id }}" }
`,
  },
  {
    section: 'endpoints.NAME.batch',
    title: 'a batch upsert of 100 records a request, each result matched to its row by email.',
    yaml: `
name: contacts_api
base_url: "https://api.contacts.example"
endpoints:
  upsert_contacts:
    operation: upsert
    request: batch
    method: POST
    path: /crm/v3/objects/contacts/batch/upsert
    headers: { Content-Type: application/json }
    batch:
      size: 100
      item: '{ "idProperty": "email", "id": {{ row.email | json }}, "properties": {{ row | json }} }'
      body: '{ "inputs": {{ items }} }'
    response:
      results: "$.results"
      match: "{{ result.properties.email }}"
      success: "result.status != 'error'"
      record_id: "{{ result.id }}"
      error: "{{ result.message }}"
`,
  },
  {
    section: 'endpoints.NAME.response',
    title: 'a single request whose answer says whether the record succeeded.',
    yaml: `
name: members
base_url: "https://members.example"
endpoints:
  add_member:
    operation: create
    path: /members
    headers: { Content-Type: application/json }
    body: '{ "email": {{ row.email | json }} }'
    response:
      record_id: "{{ response.body.member.id }}"
      success: "response.body.member.status != 'rejected'"
      error: "{{ response.body.member.reason }}"
`,
  },
  {
    section: 'endpoints.NAME.job',
    title: 'an asynchronous batch write (Salesforce Bulk API 2.0 ingest): open a job, upload CSV, close it, poll, read per-record results.',
    yaml: `
name: bulk_crm
base_url: "https://crm.example"
endpoints:
  bulk_update_leads:
    operation: update
    request: batch
    method: PUT
    path: "/services/data/v60.0/jobs/ingest/{{ job.id }}/batches"
    headers: { Content-Type: text/csv }
    batch:
      size: 10000
      body: "{{ rows | csv }}"
    job:
      create:
        path: /services/data/v60.0/jobs/ingest
        body: '{ "object": "Lead", "operation": "update", "contentType": "CSV" }'
      close:
        method: PATCH
        path: "/services/data/v60.0/jobs/ingest/{{ job.id }}"
        body: '{ "state": "UploadComplete" }'
      poll:
        request: { path: "/services/data/v60.0/jobs/ingest/{{ job.id }}" }
        until: "response.body.state == 'JobComplete'"
        failed: "response.body.state == 'Failed' or response.body.state == 'Aborted'"
        error: "{{ response.body.errorMessage }}"
        interval_ms: 5000
        timeout_ms: 3600000
      results:
        - { path: "/services/data/v60.0/jobs/ingest/{{ job.id }}/successfulResults", format: csv }
        - { path: "/services/data/v60.0/jobs/ingest/{{ job.id }}/failedResults", format: csv }
    response:
      match: "{{ result.Id }}"
      success: "result.sf__Error == nil or result.sf__Error == ''"
      record_id: "{{ result.sf__Id }}"
      error: "{{ result.sf__Error }}"
`,
  },
  {
    section: 'streams.NAME',
    title: 'a POST search stream whose records sit under data, keyed by id.',
    yaml: `
name: search_api
base_url: "https://search.example"
streams:
  open_deals:
    method: POST
    path: /v1/deals/search
    headers: { Content-Type: application/json }
    body: '{ "filter": { "status": "open" }, "limit": 100 }'
    records: "$.data"
    primary_key: id
    max_requests: 5000
    stop_when: "response.body.has_more == false"
`,
  },
  {
    section: 'streams.NAME.paginate[type=offset]',
    title: 'offset and limit, restarting from the last cursor value past the API\'s 10,000-record depth cap.',
    yaml: `
name: tasks_api
base_url: "https://tasks.example"
streams:
  tasks:
    path: /api/tasks
    query: { order: updated_at }
    records: "$.tasks"
    primary_key: id
    paginate: { type: offset, offset_param: offset, limit_param: limit, limit: 100, total: "$.total", restart_after: 10000 }
    incremental: { cursor_field: updated_at, param: updated_since, inclusive: true }
`,
  },
  {
    section: 'streams.NAME.paginate[type=page]',
    title: 'numbered pages from 1, 50 records each, up to the page count the API gives.',
    yaml: `
name: catalog
base_url: "https://catalog.example"
streams:
  products:
    path: /v3/catalog/products
    records: "$.data"
    paginate: { type: page, page_param: page, size_param: limit, size: 50, start: 1, total_pages: "$.meta.pagination.total_pages" }
`,
  },
  {
    section: 'streams.NAME.paginate[type=cursor]',
    title: 'a token from the body asks for the next page (HubSpot paging.next.after).',
    yaml: `
name: crm_read
base_url: "https://api.crm.example"
streams:
  contacts:
    path: /crm/v3/objects/contacts
    query: { limit: 100 }
    records: "$.results"
    paginate: { type: cursor, cursor: "$.paging.next.after", cursor_param: after }
    primary_key: id
`,
  },
  {
    section: 'streams.NAME.paginate[type=next_url]',
    title: 'each answer gives the next page\'s URL (on the same origin).',
    yaml: `
name: soql
base_url: "https://crm.example"
streams:
  leads:
    path: /services/data/v60.0/query
    query: { q: "SELECT Id, Email FROM Lead" }
    records: "$.records"
    paginate: { type: next_url, next_url: "$.nextRecordsUrl" }
`,
  },
  {
    section: 'streams.NAME.paginate[type=link_header]',
    title: 'the next page in the Link header (RFC 8288), as GitHub gives it.',
    yaml: `
name: code_host
base_url: "https://api.code.example"
streams:
  issues:
    path: /repos/acme/app/issues
    query: { per_page: 100, state: all }
    paginate: { type: link_header, rel: next }
    primary_key: id
`,
  },
  {
    section: 'streams.NAME.incremental',
    title: 'only what changed since the last run, from a start date, an hour of lookback for late writes.',
    yaml: `
name: orders_api
base_url: "https://orders.example"
streams:
  orders:
    path: /v1/orders
    records: "$.orders"
    primary_key: id
    paginate: { type: cursor, cursor: "$.next", cursor_param: cursor }
    incremental:
      cursor_field: updated_at
      param: updated_since
      start: "2024-01-01T00:00:00Z"
      lookback: PT1H
      inclusive: true
`,
  },
  {
    section: 'streams.NAME.partition',
    title: 'issues read per project, each issue carrying its project\'s name; the cursor is kept per project.',
    yaml: `
name: tracker
base_url: "https://tracker.example"
streams:
  projects:
    path: /api/projects
    primary_key: id
  issues:
    path: "/api/projects/{{ partition.project.id }}/issues"
    primary_key: id
    partition: { stream: projects, field: id, as: project, copy: [name] }
    incremental: { cursor_field: updated, param: updatedSince }
`,
  },
  {
    section: 'streams.NAME.chunk_fields',
    title: 'an API taking at most 2 properties a request: three requests per page, merged by id.',
    yaml: `
name: wide_records
base_url: "https://api.wide.example"
streams:
  companies:
    path: /crm/v3/objects/companies
    records: "$.results"
    primary_key: id
    paginate: { type: cursor, cursor: "$.paging.next.after", cursor_param: after }
    chunk_fields: { param: properties, size: 2, fields: [name, domain, industry, city, country, phone] }
`,
  },
  {
    section: 'streams.NAME.job',
    title: 'an asynchronous export (Salesforce Bulk API 2.0 query): create, poll, download CSV pages by the Sforce-Locator header.',
    yaml: `
name: bulk_read
base_url: "https://crm.example"
streams:
  accounts:
    primary_key: Id
    incremental: { cursor_field: SystemModstamp }
    job:
      create:
        path: /services/data/v60.0/jobs/query
        body: '{ "operation": "query", "query": "SELECT Id, Name, SystemModstamp FROM Account{% if cursor %} WHERE SystemModstamp > {{ cursor }}{% endif %}" }'
      poll:
        request: { path: "/services/data/v60.0/jobs/query/{{ job.id }}" }
        until: "response.body.state == 'JobComplete'"
        failed: "response.body.state == 'Failed' or response.body.state == 'Aborted'"
        interval_ms: 2000
      download:
        path: "/services/data/v60.0/jobs/query/{{ job.id }}/results"
        query: { maxRecords: "50000" }
        format: csv
    paginate: { type: cursor, header: Sforce-Locator, cursor_param: locator }
`,
  },
  {
    section: 'test',
    title: 'what sluice connections test sends to check the credentials.',
    yaml: `
name: chat_check
base_url: "https://chat.example"
auth: { type: bearer }
test:
  method: POST
  path: /api/auth.test
  success: "response.status == 200 and response.body.ok == true"
`,
  },
];

/** Examples of sluice.yaml, each a whole project file (its connections use built-in connectors). */
export const projectExamples: readonly ReferenceExample[] = [
  {
    section: '',
    title: 'a project reading a CRM into a warehouse and sending scores back.',
    yaml: `
version: 1
state: .sluice
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  crm:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
syncs:
  contacts_in:
    from: { connection: crm, stream: contacts }
    to: { connection: warehouse, table: crm_contacts }
    mode: upsert
    key: id
  scores_out:
    from: { connection: warehouse, sql: "select email, score from lead_scores" }
    to: { connection: crm, endpoint: upsert_contacts }
    mode: upsert
    key: email
pipelines:
  nightly:
    schedule: "0 2 * * *"
    steps: [contacts_in, { sql: "create or replace table lead_scores as select email, 1 as score from crm_contacts", connection: warehouse }, scores_out]
`,
  },
  {
    section: 'connections.NAME[type=duckdb]',
    title: 'every database kind; secrets from the environment.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  local: { type: sqlite, path: data/app.sqlite }
  app_db: { type: postgres, url: "postgres://app:\${env:PGPASSWORD}@db.internal:5432/app" }
  shop_db: { type: mysql, url: "mysql://shop:\${env:MYSQL_PASSWORD}@127.0.0.1:3306/shop" }
  bq: { type: bigquery, project_id: my-project, location: US, credentials: keys/service-account.json }
`,
  },
  {
    section: 'connections.NAME.ssh',
    title: 'a PostgreSQL database behind a bastion.',
    yaml: `
version: 1
connections:
  crm_db:
    type: postgres
    url: "postgres://report:\${env:PGPASSWORD}@10.0.0.5:5432/crm"
    ssh: { host: bastion.example.com, port: 22, username: deploy, private_key: "\${env:SSH_KEY}" }
`,
  },
  {
    section: 'connections.NAME[type=http]',
    title: 'HTTP connections: a built-in connector with OAuth, and a spec of your own against a staging host.',
    yaml: `
version: 1
connections:
  backlog:
    type: http
    connector: backlog
    config: { space_key: example }
    auth: { type: oauth2, client_id: "\${env:BACKLOG_CLIENT_ID}", client_secret: "\${env:BACKLOG_CLIENT_SECRET}" }
  hubspot:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
    base_url: https://staging.hubapi.example
`,
  },
  {
    section: 'connections.NAME.auth[type=api_key]',
    title: 'several API keys used in turn, spreading a per-key quota.',
    yaml: `
version: 1
connections:
  backlog:
    type: http
    connector: backlog
    config: { space_key: example }
    auth: { type: api_key, keys: ["\${env:BACKLOG_KEY_1}", "\${env:BACKLOG_KEY_2}"] }
`,
  },
  {
    section: 'connections.NAME.auth[type=jwt]',
    title: 'a service account (Google Sheets): the key kept as a secret, the claims and token URL in the connector.',
    yaml: `
version: 1
connections:
  sheets:
    type: http
    connector: google-sheets
    config: { spreadsheet_id: 1AbCdEfGhIjK, client_email: sluice@my-project.iam.gserviceaccount.com }
    auth: { type: jwt, private_key: "\${env:SHEETS_PRIVATE_KEY}" }
`,
  },
  {
    section: 'connections.NAME.auth[type=oauth2_client_credentials]',
    title: 'a client id and secret exchanged for the client\'s own token (Marketo).',
    yaml: `
version: 1
connections:
  marketo:
    type: http
    connector: marketo
    config: { instance_url: "https://123-ABC-456.mktorest.com" }
    auth: { type: oauth2_client_credentials, client_id: "\${env:MARKETO_CLIENT_ID}", client_secret: "\${env:MARKETO_CLIENT_SECRET}" }
`,
  },
  {
    section: 'connections.NAME.auth[type=basic]',
    title: 'HTTP Basic (Mailchimp takes any user name and the API key as the password).',
    yaml: `
version: 1
connections:
  mailchimp:
    type: http
    connector: mailchimp
    config: { dc: us6, list_id: a1b2c3d4e5 }
    auth: { type: basic, username: anyone, password: "\${env:MAILCHIMP_API_KEY}" }
`,
  },
  {
    section: 'syncs.NAME.fields.NAME',
    title: 'a phone left alone when the warehouse has none, a source set only on create, a constant owner.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  crm:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
syncs:
  contacts_out:
    from: { connection: warehouse, sql: "select email, phone, 'webinar' as lead_source from contacts" }
    to: { connection: crm, endpoint: upsert_contacts }
    mode: upsert
    key: email
    fields:
      phone: { skip_null: true }
      lead_source: { on: create }
      owner: { value: sluice }
`,
  },
  {
    section: 'syncs.NAME',
    title: 'a scheduled upsert with field rules, what mirror does with deletions, and a limit on failed rows.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  crm:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
syncs:
  contacts_to_crm:
    description: Marketing's contact list, kept in step with the CRM.
    from: { connection: warehouse, sql: "select email, firstname, phone, 'import' as lead_source from contacts" }
    to: { connection: crm, endpoints: { create: create_contacts, update: update_contacts, lookup: find_contact } }
    mode: mirror
    on_delete: ignore
    key: email
    mapping: { firstname: firstname }
    fields:
      phone: { skip_null: true }
      lead_source: { on: create }
    schedule: "0 9 * * *"
    timezone: Asia/Tokyo
    on_error: { max_failed_rows: "5%", max_invalid_rows: 0 }
    debug: { retention_days: 14 }
`,
  },
  {
    section: 'syncs.NAME.from',
    title: 'a query with typed variables ($yesterday$ in Tokyo), a whole table, and a stream.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  crm:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
syncs:
  yesterday_signups:
    from:
      connection: warehouse
      sql: "select email, firstname from signups where day = '$yesterday$' and plan = '$plan$'"
      variables:
        yesterday: { type: date, offset: -1d, format: "%Y-%m-%d", timezone: Asia/Tokyo }
        plan: pro
    to: { connection: crm, endpoint: create_contacts }
    mode: insert
    key: email
  copy_scores:
    from: { connection: warehouse, table: lead_scores }
    to: { connection: warehouse, table: lead_scores_copy }
    mode: upsert
    key: email
  crm_contacts:
    from: { connection: crm, stream: contacts }
    to: { connection: warehouse, table: crm_contacts }
    mode: append
`,
  },
  {
    section: 'syncs.NAME.notify[]',
    title: 'a signed webhook on failure or many rejected rows, and a Slack message when a run is slow.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  slack:
    type: http
    connector: slack
    auth: { type: bearer, token: "\${env:SLACK_BOT_TOKEN}" }
syncs:
  copy_scores:
    from: { connection: warehouse, table: lead_scores }
    to: { connection: warehouse, table: lead_scores_copy }
    mode: upsert
    key: email
    notify:
      - on: [failed, "rejected_over: 5%"]
        webhook: { url: https://alerts.example.com/sluice, secret: "\${env:ALERT_SIGNING_SECRET}" }
      - on: [{ longer_than: 30m }]
        connection: slack
        endpoint: post_message
        row: { channel: "#data-alerts", text: "{{ run.name }} took longer than 30 minutes ({{ run.status }})" }
`,
  },
  {
    section: 'syncs.NAME.write_back',
    title: 'each record\'s result and each run written to tables analysts can join on.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  crm:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
syncs:
  scores_out:
    from: { connection: warehouse, sql: "select email, score from lead_scores" }
    to: { connection: crm, endpoint: upsert_contacts }
    mode: upsert
    key: email
    write_back: { connection: warehouse, table: crm_results }
    run_log: { connection: warehouse, table: sluice_runs }
`,
  },
  {
    section: 'syncs.NAME',
    title: 'a large sync split over four queue jobs (with SLUICE_QUEUE=redis), incremental reads refreshed in full weekly.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  crm:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
  mailchimp:
    type: http
    connector: mailchimp
    config: { dc: us6, list_id: a1b2c3 }
    auth: { type: basic, username: any, password: "\${env:MAILCHIMP_KEY}" }
syncs:
  all_contacts_out:
    from: { connection: warehouse, table: contacts }
    to: { connection: crm, endpoint: upsert_contacts }
    mode: upsert
    key: email
    partitions: 4
    schedule: "*/15 * * * *"
  members_in:
    from: { connection: mailchimp, stream: members }
    to: { connection: warehouse, table: audience_members }
    mode: mirror
    key: id
    full_refresh: "0 3 * * 0"
`,
  },
  {
    section: 'pipelines.NAME',
    title: 'extract, transform, activate: run in order, stopping at the first failure.',
    yaml: `
version: 1
connections:
  warehouse: { type: duckdb, path: data/warehouse.duckdb }
  crm:
    type: http
    connector: hubspot
    auth: { type: bearer, token: "\${env:HUBSPOT_TOKEN}" }
syncs:
  contacts_in:
    from: { connection: crm, stream: contacts }
    to: { connection: warehouse, table: crm_contacts }
    mode: upsert
    key: id
  scores_out:
    from: { connection: warehouse, table: lead_scores }
    to: { connection: crm, endpoint: upsert_contacts }
    mode: upsert
    key: email
pipelines:
  lead_scoring:
    description: Read contacts, score them in SQL, send the scores back.
    schedule: "0 * * * *"
    steps:
      - contacts_in
      - { sql: "create or replace table lead_scores as select email, 10 as score from crm_contacts", connection: warehouse }
      - { sync: scores_out }
    notify: [{ on: [failed], webhook: { url: https://alerts.example.com/sluice, secret: "\${env:ALERT_SIGNING_SECRET}" } }]
`,
  },
];

/** Examples of a connector's test cases, each a whole NAME.test.yaml for the `tickets` connector (the first connector example). */
export const connectorTestExamples: readonly ReferenceExample[] = [
  {
    section: '',
    title: 'cases of the tickets connector: the request a row renders, the result read from a recorded answer, a stream\'s pages.',
    yaml: `
config:
  subdomain: acme
cases:
  - name: create_ticket sends the subject and requester as JSON
    endpoint: create_ticket
    row: { subject: 'Printer "PR-7" is jammed', email: ada@example.com }
    request:
      method: POST
      url: https://acme.tickets.example/api/tickets
      headers: { Content-Type: application/json }
      body: { subject: 'Printer "PR-7" is jammed', requester: ada@example.com }

  - name: the new ticket's id is kept as the remote id
    endpoint: create_ticket
    row: { subject: Printer jammed, email: ada@example.com }
    response: { status: 201, body: { ticket: { id: 9001 } } }
    results:
      - { ok: true, remote_id: "9001" }

  - name: a refused ticket fails its row with the API's message
    endpoint: create_ticket
    row: { subject: "", email: ada@example.com }
    response: { status: 422, body: { error: { message: subject is required } } }
    results:
      - { ok: false, error: "422 Unprocessable Entity: subject is required" }

  - name: tickets follows next_cursor until it is null
    stream: tickets
    pages:
      - body: { tickets: [{ id: 1, subject: A }], next_cursor: c2 }
      - body: { tickets: [{ id: 2, subject: B }], next_cursor: null }
    requests:
      - { method: GET, url: https://acme.tickets.example/api/tickets }
      - { method: GET, url: "https://acme.tickets.example/api/tickets?cursor=c2" }
    records:
      - { id: 1, subject: A }
      - { id: 2, subject: B }
`,
  },
];
