import pg from 'pg';

/**
 * What every PostgreSQL connection of Sluice connects with, the reader's pool and the table engine's client alike: the
 * URL, Sluice's application name (unless the URL names one) and a session in UTC, so that timestamps with zone print in
 * UTC and naive ones are taken as UTC (an `options` in the URL wins).
 */
export function postgresConnectionConfig(url: string): pg.ClientConfig {
  return { connectionString: url, application_name: applicationName(url), options: '-c TimeZone=UTC' };
}

/** Connects one client (the table engine's: temporary staging tables live in its session). */
export async function connectPostgresClient(url: string): Promise<pg.Client> {
  const client = new pg.Client(postgresConnectionConfig(url));
  // An idle client whose server goes away emits 'error'; the next query reports it instead of crashing the process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function applicationName(url: string): string {
  try {
    return new URL(url).searchParams.get('application_name') ?? 'sluice';
  } catch {
    return 'sluice';
  }
}
