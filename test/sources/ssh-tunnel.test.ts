import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { openSqlDatabase } from '../../src/databases/open-sql-database.js';
import { Redactor } from '../../src/log/redactor.js';

// A real SSH server in the test process (ssh2's Server): it accepts one user and forwards
// direct-tcpip channels. The database hosts in the URLs below do not resolve here — only the SSH
// server knows them — so a read that works went through the tunnel.

const hosts: Record<string, { host: string; port: number }> = {
  'pg.internal': { host: '127.0.0.1', port: 5432 },
  'maria.internal': { host: '127.0.0.1', port: 3306 },
};
const forwarded: string[] = [];
let server: ssh2.Server;
let sshPort: number;

beforeAll(async () => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
  server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === 'tunnel' && ctx.password === 's3cret-pass') ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('tcpip', (accept, reject, info) => {
      const target = hosts[info.destIP];
      if (!target || info.destPort !== 5432 && info.destPort !== 3306) return reject();
      forwarded.push(`${info.destIP}:${info.destPort}`);
      const stream = accept();
      const socket = connect(target.port, target.host);
      stream.pipe(socket).pipe(stream);
      socket.on('error', () => stream.destroy());
      stream.on('close', () => socket.destroy());
    });
    client.on('error', () => undefined);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  sshPort = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

const ssh = (password = 's3cret-pass') => ({ host: '127.0.0.1', port: sshPort, username: 'tunnel', password });

describe('SSH tunnels', () => {
  it('reads PostgreSQL through the tunnel', async () => {
    const db = await openSqlDatabase({ type: 'postgres', url: 'postgres://postgres@pg.internal:5432/test', ssh: ssh() }, { projectDir: '.' });
    try {
      await expect(db.test()).resolves.toMatch(/^PostgreSQL \d+/);
      const rows = [];
      for await (const b of db.query('SELECT 1 AS one').read()) rows.push(...b);
      expect(rows).toEqual([{ one: 1 }]);
      expect(forwarded).toContain('pg.internal:5432');
    } finally {
      await db.close();
    }
  });

  it('reads MariaDB through the tunnel', async () => {
    const db = await openSqlDatabase({ type: 'mysql', url: 'mysql://root@maria.internal/test', ssh: ssh() }, { projectDir: '.' });
    try {
      const rows = [];
      for await (const b of db.query('SELECT 2 AS two').read()) rows.push(...b);
      expect(rows).toEqual([{ two: 2 }]);
      expect(forwarded).toContain('maria.internal:3306');
    } finally {
      await db.close();
    }
  });

  it('says which SSH login failed, without the password', async () => {
    const redactor = new Redactor();
    const error = await openSqlDatabase({ type: 'postgres', url: 'postgres://postgres@pg.internal:5432/test', ssh: ssh('wrong-pass') }, { projectDir: '.', redactor }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`ssh tunnel@127.0.0.1:${sshPort}: All configured authentication methods failed`);
    expect(redactor.mask('wrong-pass')).toBe('****');
  });
});
