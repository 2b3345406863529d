// The Salesforce simulator's Bulk API 2.0 as a client sees it over HTTP: job states, CSV results and error bodies.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/salesforce-sandbox.js';

const v = '/services/data/v59.0';

describe('Salesforce sandbox: Bulk API 2.0', () => {
  let sf: SalesforceSandbox;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${sf.url}${v}${path}`, {
      method,
      headers: { Authorization: 'Bearer sandbox-session-token', 'Content-Type': type },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as any) : undefined };
  };

  beforeAll(async () => {
    sf = await startSalesforceSandbox({ bulkPolls: 1, seed: { Lead: [{ LastName: 'Kept', Company: 'K', External_Id__c: 'K1' }] } });
  });
  afterAll(() => sf.close());
  beforeEach(() => sf.reset());

  it('runs an ingest job: Open, 201 upload, UploadComplete, InProgress, JobComplete, then both result files', async () => {
    const created = await call('POST', '/jobs/ingest', { object: 'Lead', operation: 'upsert', externalIdFieldName: 'External_Id__c', contentType: 'CSV', lineEnding: 'LF' });
    expect(created.status).toBe(200);
    const id = created.json.id as string;
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^7505g\w{13}$/), operation: 'upsert', object: 'Lead', state: 'Open', contentType: 'CSV', apiVersion: 59, contentUrl: `services/data/v59.0/jobs/ingest/${id}/batches`, lineEnding: 'LF', columnDelimiter: 'COMMA' });
    const csv = 'External_Id__c,LastName,Company,Email\nK1,Kept2,K,\nN1,New,"Co, Inc",n1@example.com\nN2,NoCompany,,n2@example.com\n';
    const upload = await call('PUT', `/jobs/ingest/${id}/batches`, csv, 'text/csv');
    expect([upload.status, upload.text]).toEqual([201, '']);
    expect((await call('PUT', `/jobs/ingest/${id}/batches`, csv, 'text/csv')).json).toEqual([{ errorCode: 'INVALIDJOBSTATE', message: 'Data has already been uploaded to this job' }]);
    expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' })).json.state).toBe('UploadComplete');
    const early = await call('GET', `/jobs/ingest/${id}/successfulResults/`);
    expect(early.status).toBe(409);
    expect((await call('GET', `/jobs/ingest/${id}`)).json).toMatchObject({ state: 'InProgress', jobType: 'V2Ingest', numberRecordsProcessed: 0 });
    expect((await call('GET', `/jobs/ingest/${id}`)).json).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 3, numberRecordsFailed: 1 });

    const ok = await call('GET', `/jobs/ingest/${id}/successfulResults/`);
    expect(ok.headers.get('content-type')).toMatch(/^text\/csv/);
    const kept = sf.state.objects.Lead!.find((l) => l.External_Id__c === 'K1')!;
    const created1 = sf.state.objects.Lead!.find((l) => l.External_Id__c === 'N1')!;
    expect(ok.text).toBe(`"sf__Id","sf__Created",External_Id__c,LastName,Company,Email\n"${String(kept.Id)}","false","K1","Kept2","K",""\n"${String(created1.Id)}","true","N1","New","Co, Inc","n1@example.com"\n`);
    expect(kept.LastName).toBe('Kept2');
    const failed = await call('GET', `/jobs/ingest/${id}/failedResults/`);
    expect(failed.text).toBe('"sf__Id","sf__Error",External_Id__c,LastName,Company,Email\n"","REQUIRED_FIELD_MISSING:Required fields are missing: [Company]:Company --","N2","NoCompany","","n2@example.com"\n');
  });

  it('fails a job whose header names a field Lead lacks, with errorMessage', async () => {
    const id = (await call('POST', '/jobs/ingest', { object: 'Lead', operation: 'insert' })).json.id as string;
    await call('PUT', `/jobs/ingest/${id}/batches`, 'LastName,Colour__c\nA,red\n', 'text/csv');
    await call('PATCH', `/jobs/ingest/${id}`, { state: 'UploadComplete' });
    await call('GET', `/jobs/ingest/${id}`);
    expect((await call('GET', `/jobs/ingest/${id}`)).json).toMatchObject({ state: 'Failed', errorMessage: 'InvalidBatch : Field name not found : Colour__c' });
    expect((await call('GET', `/jobs/ingest/${id}/unprocessedrecords/`)).text).toBe('LastName,Colour__c\n"A","red"\n');
  });

  it('refuses bad job requests with Salesforce error arrays', async () => {
    expect(await call('POST', '/jobs/ingest', { object: 'Lead', operation: 'merge' })).toMatchObject({ status: 400, json: [{ errorCode: 'INVALIDJOB', message: 'InvalidJob : Invalid operation: merge' }] });
    expect((await call('POST', '/jobs/ingest', { object: 'Lead', operation: 'upsert' })).json).toEqual([{ errorCode: 'INVALIDJOB', message: 'InvalidJob : External ID was blank for upsert' }]);
    expect(await call('GET', '/jobs/ingest/7505g00000NOPE0AAA')).toMatchObject({ status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });
    const id = (await call('POST', '/jobs/ingest', { object: 'Lead', operation: 'insert' })).json.id as string;
    expect((await call('PUT', `/jobs/ingest/${id}/batches`, 'LastName\nA\n', 'application/json')).json).toEqual([{ errorCode: 'INVALIDCONTENTTYPE', message: 'Content-Type must be text/csv' }]);
    expect((await call('PATCH', `/jobs/ingest/${id}`, { state: 'Aborted' })).json.state).toBe('Aborted');
    const unauthorized = await fetch(`${sf.url}${v}/jobs/ingest`, { method: 'POST', body: '{}' });
    expect([unauthorized.status, await unauthorized.json()]).toEqual([401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]]);
  });

  it('runs a query job and pages its CSV results with Sforce-Locator and Sforce-NumberOfRecords', async () => {
    const seeded = await fetch(`${sf.url}/_sandbox/seed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Lead: Array.from({ length: 4 }, (_, i) => ({ LastName: `L${i}`, Company: 'C' })) }) });
    expect(seeded.status).toBeLessThan(300);
    const created = await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT Id, LastName FROM Lead ORDER BY LastName' });
    expect(created.json).toMatchObject({ operation: 'query', object: 'Lead', state: 'UploadComplete' });
    const id = created.json.id as string;
    expect((await call('GET', `/jobs/query/${id}/results`)).json).toEqual([{ errorCode: 'INVALIDJOBSTATE', message: `Job ${id} is not complete (state UploadComplete); results are available once it is JobComplete` }]);
    expect((await call('GET', `/jobs/query/${id}`)).json.state).toBe('InProgress');
    expect((await call('GET', `/jobs/query/${id}`)).json).toMatchObject({ state: 'JobComplete', jobType: 'V2Query', numberRecordsProcessed: 5 });
    const first = await call('GET', `/jobs/query/${id}/results?maxRecords=3`);
    const locator = first.headers.get('sforce-locator')!;
    expect(locator).not.toBe('null');
    expect(first.headers.get('sforce-numberofrecords')).toBe('3');
    expect(first.text.split('\n').slice(0, 2)).toEqual(['"Id","LastName"', `"${String(sf.state.objects.Lead!.find((l) => l.LastName === 'Kept')!.Id)}","Kept"`]);
    const last = await call('GET', `/jobs/query/${id}/results?maxRecords=3&locator=${locator}`);
    expect([last.headers.get('sforce-locator'), last.headers.get('sforce-numberofrecords')]).toEqual(['null', '2']);
    expect(last.text.trim().split('\n').map((l) => l.split(',')[1])).toEqual(['"LastName"', '"L2"', '"L3"']);
    expect((await call('GET', `/jobs/query/${id}/results?locator=bogus`)).json).toEqual([{ errorCode: 'INVALID_LOCATOR', message: 'Invalid locator: bogus' }]);
    expect((await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT FROM Lead' })).status).toBe(400);
  });
});
