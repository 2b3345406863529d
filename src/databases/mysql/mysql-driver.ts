import type { ConnectionOptions } from 'mysql2';

/**
 * What every MySQL/MariaDB connection of Sluice connects with, the reader's pool and the table engine's connection
 * alike: big integers and decimals as exact text, dates and timestamps as the server's text, the client in UTC. Each
 * session must also run `SET MYSQL_UTC` (see below), so that the server's text is the UTC instant.
 */
export function mysqlConnectionOptions(url: string): ConnectionOptions {
  return { uri: url, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, timezone: 'Z' };
}

/** The session setting (after SET) that makes TIMESTAMP values read and write as UTC. */
export const MYSQL_UTC = "time_zone = '+00:00'";
