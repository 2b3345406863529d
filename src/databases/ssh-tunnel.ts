import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { Client, type ConnectConfig } from 'ssh2';

/** The `ssh:` block of a PostgreSQL or MySQL connection. */
export interface SshSettings {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** The key itself (PEM / OpenSSH text) or a path to it, relative to the project directory. */
  private_key?: string;
  passphrase?: string;
}

/** A local port forwarded through SSH to a database host. */
export interface SshTunnel {
  /** Where to connect instead of the database host: 127.0.0.1. */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Opens an SSH connection and a loopback port that forwards each connection to `target` as the SSH server sees it. */
export async function openSshTunnel(ssh: SshSettings, target: { host: string; port: number }, options: { projectDir: string }): Promise<SshTunnel> {
  const client = new Client();
  const config: ConnectConfig = {
    host: ssh.host,
    port: ssh.port,
    username: ssh.username,
    password: ssh.password,
    privateKey: ssh.private_key ? await privateKeyText(ssh.private_key, options.projectDir) : undefined,
    passphrase: ssh.passphrase,
    readyTimeout: 15_000,
    keepaliveInterval: 30_000,
  };
  await new Promise<void>((ok, fail) => {
    client.once('ready', () => ok());
    client.once('error', (e) => fail(new Error(`ssh ${ssh.username}@${ssh.host}:${ssh.port}: ${e.message}`)));
    client.connect(config);
  });
  // Later SSH errors surface on the forwarded sockets; without a listener they would crash the process.
  client.on('error', () => undefined);

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    client.forwardOut(socket.remoteAddress ?? '127.0.0.1', socket.remotePort ?? 0, target.host, target.port, (e, stream) => {
      if (e) {
        socket.destroy(e);
        return;
      }
      socket.pipe(stream).pipe(socket);
      stream.once('close', () => socket.destroy());
      socket.once('close', () => stream.destroy());
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
      client.end();
    },
  };
}

async function privateKeyText(value: string, projectDir: string): Promise<string> {
  if (value.includes('PRIVATE KEY-----')) return value;
  return readFile(isAbsolute(value) ? value : resolve(projectDir, value), 'utf8');
}

/** The URL with its host and port replaced (how a database URL is pointed at a tunnel). */
export function withHostPort(url: string, host: string, port: number): string {
  const u = new URL(url);
  u.hostname = host;
  u.port = String(port);
  return u.toString();
}

/** The host and port a database URL names (the tunnel's target), with the engine's default port. */
export function urlHostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: decodeURIComponent(u.hostname) || '127.0.0.1', port: u.port ? Number(u.port) : defaultPort };
}
