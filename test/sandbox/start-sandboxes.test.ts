import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSandbox } from '../../src/cli/commands/sandbox.js';
import { startSandboxes } from '../../sandbox/start-sandboxes.js';

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c) => (stdout += String(c)));
  err.on('data', (c) => (stderr += String(c)));
  return { out, err, text: () => ({ stdout, stderr }) };
}

describe('startSandboxes', () => {
  it('starts the named simulators on loopback and closes them', async () => {
    const started = await startSandboxes(['webhook', 'slack']);
    try {
      expect(Object.keys(started.urls)).toEqual(['webhook', 'slack']);
      const res = await fetch(`${started.urls.webhook}/hooks/x`, { method: 'POST', body: '{"a":1}' });
      expect(await res.json()).toEqual({ id: '1' });
    } finally {
      await started.close();
    }
    await expect(fetch(`${started.urls.webhook}/hooks/x`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  it('starts every simulator when none is named, the OAuth provider and BigQuery included', async () => {
    const started = await startSandboxes();
    try {
      expect(Object.keys(started.urls)).toEqual(['webhook', 'backlog', 'salesforce', 'hubspot', 'bigcommerce', 'slack', 'oauth', 'bigquery', 'kintone', 'intercom', 'marketo', 'google-sheets', 'mailchimp', 'zendesk', 'graphql-crm']);
      for (const url of Object.values(started.urls)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await started.close();
    }
  });

  it('refuses an unknown name, listing the known ones', async () => {
    await expect(startSandboxes(['nope'])).rejects.toThrow(/^unknown sandbox "nope"; known: webhook, backlog, salesforce, hubspot, bigcommerce, slack, oauth, bigquery, kintone, intercom, marketo, google-sheets, mailchimp, zendesk, graphql-crm$/);
  });
});

describe('sluice sandbox', () => {
  it('prints one "name  url" line per simulator, serves demo records, and stops cleanly', async () => {
    const io = capture();
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const run = runSandbox({ names: ['salesforce', 'webhook'], until }, { project: undefined, json: false, stdout: io.out, stderr: io.err });
    await expect.poll(() => io.text().stdout.split('\n').length, { timeout: 5000 }).toBe(3);
    const lines = io.text().stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^salesforce {2}http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toMatch(/^webhook {5}http:\/\/127\.0\.0\.1:\d+$/);
    const sfUrl = lines[0]!.split(/\s+/)[1]!;
    const q = await fetch(`${sfUrl}/services/data/v59.0/query?q=${encodeURIComponent('SELECT Email FROM Lead')}`, { headers: { Authorization: 'Bearer sandbox-session-token' } });
    expect(((await q.json()) as any).totalSize).toBe(4);
    expect(io.text().stderr).toContain('sandbox-session-token');
    stop();
    expect(await run).toBe(0);
    await expect(fetch(`${sfUrl}/services/data`)).rejects.toThrow();
  });

  it('prints JSON with --json and exits 0 on SIGTERM', async () => {
    const io = capture();
    const run = runSandbox({ names: ['webhook'] }, { project: undefined, json: true, stdout: io.out, stderr: io.err });
    await expect.poll(() => io.text().stdout.includes('\n'), { timeout: 5000 }).toBe(true);
    const printed = JSON.parse(io.text().stdout) as { ok: boolean; urls: Record<string, string> };
    expect(printed.ok).toBe(true);
    expect(printed.urls.webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    process.emit('SIGTERM');
    expect(await run).toBe(0);
  });

  it('exits 2 naming an unknown simulator', async () => {
    const io = capture();
    expect(await runSandbox({ names: ['nope'] }, { project: undefined, json: false, stdout: io.out, stderr: io.err })).toBe(2);
    expect(io.text().stderr).toContain('unknown sandbox "nope"');
  });
});
