/** Thrown when a part of Shoal needs a Redis or Postgres connection that `ClusterModule` was not given. */
export class ConnectionMissingError extends Error {
  constructor(kind: 'redis' | 'postgres', neededBy: string) {
    const option = kind === 'redis' ? 'redis' : 'postgres';
    super(
      `${neededBy} needs a ${kind === 'redis' ? 'Redis' : 'PostgreSQL'} connection: ` +
        `pass \`${option}\` to ClusterModule.forRoot() (a URL, an options object or an existing client).`,
    );
    this.name = 'ConnectionMissingError';
  }
}
