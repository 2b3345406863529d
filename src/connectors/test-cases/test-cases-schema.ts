import { z } from 'zod';

/** A field's description, read by editors (JSON Schema) and the docs. */
const about = (description: string) => ({ description });

/** Bounds: a cases file is configuration, small enough to read whole. */
export const MAX_CASES = 500;
export const MAX_ROWS_PER_CASE = 1000;
export const MAX_PAGES_PER_CASE = 100;

const jsonValue = z.unknown();
// One line of text: a name is printed at the start of a result line, so a newline or an escape could forge another.
const caseName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]*$/u, 'a case name is one line of text, without control characters')
  .meta(about('The case\'s name, unique in the file; printed with ✓ or ✗.'));
const configValues = z
  .record(z.string().max(200), z.union([z.string().max(10_000), z.number(), z.boolean()]))
  .default({})
  .meta(about('Values for the connector\'s config fields, by name, as a connection\'s `config:` gives them (no secrets: cases run without credentials).'));

const headerValues = z
  .record(z.string().min(1).max(200), z.string().max(10_000))
  .meta(about('Header values by name (case-insensitive). Only the headers listed are compared; "****" only checks the header is present.'));

/** The request a case expects the endpoint (or a stream page) to send. */
export const expectedRequestSchema = z
  .strictObject({
    method: z.string().min(1).max(20).optional().meta(about('The HTTP method, e.g. POST.')),
    url: z.string().max(10_000).optional().meta(about('The whole URL, query included, e.g. https://api.example.com/v1/items?limit=100. Give url, or path (and query).')),
    path: z.string().max(10_000).optional().meta(about('The URL\'s path as sent (percent-encoded), e.g. /crm/v3/objects/contacts/batch/upsert.')),
    query: z
      .record(z.string().max(1000), z.union([z.string().max(10_000), z.number(), z.boolean()]))
      .optional()
      .meta(about('Every query parameter the URL must carry, decoded, and no other, e.g. { limit: 100 }.')),
    headers: headerValues.optional(),
    body: jsonValue.optional().meta(about('The body: a mapping or list is compared as JSON (structurally, key order aside); a string is compared as text. null: no body.')),
  })
  .meta(about('The request expected; only the parts given are compared.'));

/** A recorded HTTP response a case replays. */
export const recordedResponseSchema = z
  .strictObject({
    status: z.number().int().min(100).max(599).default(200).meta(about('The HTTP status. Default: 200.')),
    headers: z.record(z.string().min(1).max(200), z.string().max(10_000)).default({}).meta(about('Response headers by name (case-insensitive). Content-Type defaults to application/json for a mapping or list body.')),
    body: jsonValue.optional().meta(about('The body: a mapping or list is sent as JSON, a string as it is. Default: empty.')),
  })
  .meta(about('A response as the API answered it, replayed instead of sending anything.'));

const rowEntry = z
  .record(z.string(), jsonValue)
  .meta(about('A sample row, or { row, record: { id }, key } to give the remote id kept for it and its key.'));

const expectedResult = z
  .strictObject({
    key: z.string().max(1000).optional().meta(about('The row\'s key. Default: its position in rows, from 1 (or the key its entry gives).')),
    ok: z.boolean().optional().meta(about('Whether the row counts as delivered. Default: true, unless error is given.')),
    remote_id: z.union([z.string().max(1000), z.null()]).optional().meta(about('The remote id read for the row (null: none). Not compared when absent.')),
    error: z.string().max(10_000).optional().meta(about('The exact error the row fails with (implies ok: false).')),
  })
  .meta(about('What a run reads for one row from the response.'));

/** A case about a write endpoint: the request it renders, and what a run reads from a recorded response. */
export const endpointCaseSchema = z
  .strictObject({
    name: caseName,
    endpoint: z.string().min(1).max(200).meta(about('The endpoint of the connector the case renders and reads.')),
    config: configValues,
    key: z.string().min(1).max(200).optional().meta(about('The row field holding each row\'s key, as a sync\'s key: (endpoints that match results to rows read it). Default: each row\'s position, from 1.')),
    row: rowEntry.optional().meta(about('One sample row (or give rows).')),
    rows: z.array(rowEntry).min(1).max(MAX_ROWS_PER_CASE).optional().meta(about('Sample rows, in the order a run sends them; a batch endpoint renders them in batches of its size.')),
    request: expectedRequestSchema.optional().meta(about('The request expected for the rows (the first batch\'s). Needs no response.')),
    response: recordedResponseSchema.optional().meta(about('A recorded response to the request: it is read by the code a run reads results with.')),
    responses: z
      .array(recordedResponseSchema)
      .min(1)
      .max(MAX_PAGES_PER_CASE)
      .optional()
      .meta(about(
        'For an endpoint with job: the answers to each request of the job, in order: job.create\'s, the batch\'s, job.close\'s, each poll\'s, each of job.results\' (polls are not waited for).',
      )),
    results: z.array(expectedResult).max(MAX_ROWS_PER_CASE).optional().meta(about('One expected result per row, in order, read from response (or a job\'s responses).')),
  })
  .meta(about('An endpoint case: sample rows, the request expected, and/or a recorded response with the per-row results expected.'));

/** A case about a stream: recorded pages, the records read and the requests paging makes. */
export const streamCaseSchema = z
  .strictObject({
    name: caseName,
    stream: z.string().min(1).max(200).meta(about('The stream of the connector the case reads.')),
    config: configValues,
    cursor: z.union([z.string().max(1000), z.number()]).optional().meta(about('The incremental cursor kept from an earlier run (an incremental stream then asks only for newer records).')),
    pages: z.array(recordedResponseSchema).min(1).max(MAX_PAGES_PER_CASE).meta(about('The responses to the stream\'s requests, in order: page 1, page 2...')),
    records: z.array(jsonValue).max(100_000).optional().meta(about('Every record the read yields, in order.')),
    requests: z.array(expectedRequestSchema).max(MAX_PAGES_PER_CASE).optional().meta(about('The request expected for each page, in order (the first page\'s, then the next-page requests).')),
    error: z.string().max(10_000).optional().meta(about('The exact error the read stops with (a cursor seen twice, a records path that matches nothing).')),
  })
  .meta(about('A stream case: recorded pages, read by the paginator a run uses, and the records (and next-page requests) expected.'));

export const testCaseSchema = z.union([endpointCaseSchema, streamCaseSchema]).meta(about('One named case: an endpoint case (endpoint:) or a stream case (stream:).'));

/** `connectors/<name>.test.yaml`: the cases of one connector spec. */
export const connectorTestsSchema = z
  .strictObject({
    $schema: z.string().optional().meta(about('The JSON Schema of this file, for editors.')),
    config: configValues.meta(about('Config values every case starts from (a case\'s own config: overrides them).')),
    cases: z.array(testCaseSchema).min(1).max(MAX_CASES).meta(about('The cases, run in order by `sluice connector test SPEC --cases`.')),
  })
  .meta(about('Test cases of a connector spec, run offline by `sluice connector test SPEC --cases`.'));

export type ConnectorTests = z.infer<typeof connectorTestsSchema>;
export type TestCase = z.infer<typeof testCaseSchema>;
export type EndpointCase = z.infer<typeof endpointCaseSchema>;
/** An endpoint case as written in the file (keys with defaults may be left out). */
export type EndpointCaseInput = z.input<typeof endpointCaseSchema>;
export type StreamCase = z.infer<typeof streamCaseSchema>;
export type ExpectedRequest = z.infer<typeof expectedRequestSchema>;
export type RecordedResponse = z.infer<typeof recordedResponseSchema>;
