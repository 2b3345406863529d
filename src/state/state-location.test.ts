import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSnapshotFolder, planSpillFolder, secretKeyFile, stateLocation } from './state-location.js';

describe('the state location', () => {
  it('puts every file of a relative state folder inside the project', () => {
    const location = stateLocation('/p', '.sluice');
    expect(location).toEqual({ kind: 'folder', dir: '/p/.sluice' });
    expect([secretKeyFile(location), planSnapshotFolder(location, 's'), planSpillFolder(location)]).toEqual([
      '/p/.sluice/secret.key',
      '/p/.sluice/plans',
      '/p/.sluice/tmp',
    ]);
  });

  it('puts every file of an absolute state folder there, none under the project', () => {
    const location = stateLocation('/p', '/var/lib/sluice/state');
    expect([secretKeyFile(location), planSnapshotFolder(location, 's'), planSpillFolder(location)]).toEqual([
      '/var/lib/sluice/state/secret.key',
      '/var/lib/sluice/state/plans',
      '/var/lib/sluice/state/tmp',
    ]);
  });

  it('keeps a PostgreSQL state\'s snapshots under the temp dir, keyed by URL and sync and never naming the URL, whatever the scheme\'s case', () => {
    for (const url of ['postgres://u:secret@h/db', 'POSTGRESQL://u:secret@h/db']) {
      const location = stateLocation('/p', url);
      expect(location.kind).toBe('postgres');
      const folder = planSnapshotFolder(location, 's');
      expect(folder.startsWith(join(tmpdir(), 'sluice-plans'))).toBe(true);
      expect(folder).not.toContain('secret');
      expect(planSnapshotFolder(location, 't')).not.toBe(folder);
      // Spilling goes to the system's temp folder; the key file (when no key is in the environment) to the project's .sluice.
      expect(planSpillFolder(location)).toBeUndefined();
      expect(secretKeyFile(location)).toBe('/p/.sluice/secret.key');
    }
  });
});
