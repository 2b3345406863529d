// job.results read from elsewhere: the tar.gz reader (bounded in size and entries, hostile archives refused with a
// message), the external fetch (no credential, https or loopback only, no redirect followed, server mode's network
// guard, its signature never shown), and what validate says of url, external and archive.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { getGlobalDispatcher, MockAgent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchResultsArchive } from '../../sandbox/mailchimp/batch-results-archive.js';
import { readConnectorSpec } from '../../src/config/load-connector-spec.js';
import { fetchExternal } from '../../src/connectors/job/fetch-external.js';
import { readTarGz } from '../../src/connectors/job/read-tar-gz.js';

/** A ustar header block for `name` of `size` bytes of type `type`. */
function header(name: string, size: number | string, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(typeof size === 'string' ? size : `${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(type, 156);
  h.write('ustar\0', 257);
  return h;
}
const pad = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

describe('readTarGz', () => {
  it('reads the JSON files of a results archive in order, leaving the directory entry out', () => {
    const results = Array.from({ length: 450 }, (_, i) => ({ status_code: 200, operation_id: `op${i}`, response: '{}' }));
    const files = readTarGz(batchResultsArchive('b1', results));
    expect(files.map((f) => f.name)).toEqual(['b1/0000.json', 'b1/0001.json', 'b1/0002.json']);
    expect((JSON.parse(files[2]!.data.toString()) as unknown[]).length).toBe(50);
  });

  it('takes a GNU long name for the entry after it', () => {
    const long = `${'d/'.repeat(80)}results.json`;
    const tar = Buffer.concat([header('././@LongLink', long.length, 'L'), pad(Buffer.from(long)), header('short', 2), pad(Buffer.from('[]')), Buffer.alloc(1024)]);
    expect(readTarGz(gzipSync(tar)).map((f) => f.name)).toEqual([long]);
  });

  it('refuses an archive unpacking past its limit (a gzip bomb), past its entry count, and hostile headers', () => {
    expect(() => readTarGz(gzipSync(Buffer.alloc(5 * 1024 * 1024)), { maxBytes: 1024 * 1024, maxEntries: 10 })).toThrow('the archive unpacks to more than 1048576 bytes');
    const three = Buffer.concat([header('a', 0), header('b', 0), header('c', 0), Buffer.alloc(1024)]);
    expect(() => readTarGz(gzipSync(three), { maxBytes: 1e6, maxEntries: 2 })).toThrow('the archive holds more than 2 entries');
    expect(() => readTarGz(gzipSync(Buffer.concat([header('a', '9999999999x'), Buffer.alloc(1024)])))).toThrow('archive entry 1 has a size that is not octal');
    expect(() => readTarGz(gzipSync(Buffer.concat([header('a', 4096), Buffer.alloc(512)])))).toThrow('archive entry 1 runs past the end of the archive');
    expect(() => readTarGz(Buffer.from('PK\u0003\u0004 a zip'))).toThrow(/^the answer is not a gzip archive/);
  });
});

describe('fetchExternal', () => {
  let server: Server;
  let url: string;
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers });
      if (req.url?.startsWith('/moved')) {
        res.writeHead(302, { Location: '/elsewhere' });
        res.end();
      } else if (req.url?.startsWith('/big')) {
        res.end(Buffer.alloc(4096));
      } else {
        res.end('[{"ok":true}]');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a bare GET: no Authorization, no cookie', async () => {
    seen.length = 0;
    expect((await fetchExternal(`${url}/r.json?X-Amz-Signature=abc`, {})).toString()).toBe('[{"ok":true}]');
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[0]!.headers.cookie).toBeUndefined();
  });

  it('refuses plain http to a host that is not loopback, and other schemes, before connecting', async () => {
    await expect(fetchExternal('http://results.example.com/r.tar.gz?X-Amz-Signature=secret', {})).rejects.toThrow(
      'refused to fetch http://results.example.com/r.tar.gz: the results would travel unencrypted to results.example.com',
    );
    await expect(fetchExternal('file:///etc/passwd', {})).rejects.toThrow('"file:" URLs are not allowed here: use https://');
  });

  it('follows no redirect, caps the bytes read, and never shows the signature', async () => {
    seen.length = 0;
    await expect(fetchExternal(`${url}/moved?X-Amz-Signature=secret`, {})).rejects.toThrow(`${url}/moved answered 302, a redirect: not followed`);
    expect(seen.map((s) => s.path)).toEqual(['/moved?X-Amz-Signature=secret']);
    const big = fetchExternal(`${url}/big?X-Amz-Signature=secret`, { maxBytes: 1000 });
    await expect(big).rejects.toThrow(`${url}/big is 4096 bytes, more than the 1000 read`);
    await expect(big).rejects.not.toThrow('secret');
  });

  it('goes through the global dispatcher without a policy: offline test cases refuse it, nothing is fetched', async () => {
    seen.length = 0;
    const previous = getGlobalDispatcher();
    const refusing = new MockAgent();
    refusing.disableNetConnect();
    setGlobalDispatcher(refusing);
    try {
      await expect(fetchExternal(`${url}/r.json?X-Amz-Signature=secret`, {})).rejects.toThrow(`could not fetch ${url}/r.json`);
    } finally {
      setGlobalDispatcher(previous);
      await refusing.close();
    }
    expect(seen).toEqual([]);
  });

  it('obeys server mode: a loopback address is refused by the network guard', async () => {
    seen.length = 0;
    await expect(fetchExternal(`${url}/r.json`, { policy: { denyPrivateAddresses: true, allowedHosts: [] } })).rejects.toThrow(/could not fetch .*could not connect/);
    expect(seen).toEqual([]);
  });
});

describe('validate: job.results url, external and archive', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-job-results-validate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const issues = async (results: string) => {
    const file = join(dir, 'api.yaml');
    await writeFile(file, `name: api\nbase_url: https://api.example.com\nendpoints:\n  w:\n    operation: create\n    request: batch\n    path: /w\n    batch: { size: 10 }\n    job:\n      poll: { request: { path: /j }, until: "true" }\n      results:\n        - ${results}\n`);
    return (await readConnectorSpec(file, dir)).issues.map((i) => `${i.line ?? ''}: ${i.path}: ${i.message}`);
  };

  it.each([
    ['{ path: /r, url: "{{ job.url }}" }', ['12: endpoints.w.job.results.0: job.results: give path (on the connection\'s origin) or url (a whole URL, e.g. "{{ job.response_body_url }}"), one of them']],
    ['{ path: /r, external: true }', ['12: endpoints.w.job.results.0.external: job.results: external fetches a url the API gives (url: "{{ job.result_url }}"); add url']],
    ['{ url: "{{ job.url }}", archive: tar.gz }', ['12: endpoints.w.job.results.0.archive: job.results: an archive is fetched as bytes without credentials: set external: true (and url)']],
  ])('%s', async (results, expected) => {
    expect(await issues(results)).toEqual(expected);
  });

  it('refuses an archive kind other than tar.gz, and accepts the Mailchimp shape', async () => {
    expect(await issues('{ url: "{{ job.url }}", external: true, archive: zip }')).toEqual([expect.stringMatching(/^12: endpoints\.w\.job\.results\.0\.archive: /)]);
    expect(await issues('{ url: "{{ job.response_body_url }}", external: true, archive: tar.gz, parse_json: [response] }')).toEqual([]);
  });
});
