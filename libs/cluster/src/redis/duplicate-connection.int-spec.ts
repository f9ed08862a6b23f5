import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisClusterServer } from '@shoal/testing';
import { Cluster, Redis } from 'ioredis';
import { closeConnection } from './close-connection.js';
import { duplicateConnection, streamReaderConnection } from './duplicate-connection.js';
import type { RedisClient } from './redis-client.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The protocol a connection speaks and its name, as the server sees them (`resp=`, `name=` of `CLIENT INFO`). */
async function clientInfo(connection: Redis): Promise<{ resp?: string; name?: string }> {
  const info = String(await connection.client('INFO'));
  return { resp: /\bresp=(\d)/.exec(info)?.[1], name: /\bname=(\S*)/.exec(info)?.[1] };
}

/** Two entries on `stream`, read back from the start with `XREAD` on `connection`. */
async function readBack(connection: RedisClient, stream: string): Promise<unknown> {
  return connection.xread('COUNT', 10, 'BLOCK', 1000, 'STREAMS', stream, '0');
}

describe('streamReaderConnection', () => {
  const stream = `t_${Math.random().toString(36).slice(2, 10)}:events:{spec.read}`;
  let redis: Redis;
  const opened: RedisClient[] = [];

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    await redis.xadd(stream, '1-1', 'e', '{"n":1}');
    await redis.xadd(stream, '1-2', 'e', '{"n":2}');
  });

  afterAll(async () => {
    await redis.del(stream);
    for (const connection of opened) await closeConnection(connection);
    await redis.quit();
  });

  it('speaks RESP2 where the connection it copies (and a plain duplicate) speak RESP3', async () => {
    const reader = streamReaderConnection(redis, 'spec reader') as Redis;
    const plain = duplicateConnection(redis, 'spec duplicate') as Redis;
    opened.push(reader, plain);
    expect((await clientInfo(redis)).resp).toBe('3');
    expect((await clientInfo(plain)).resp).toBe('3');
    expect((await clientInfo(reader)).resp).toBe('2');
  });

  it('reads stream entries in the same shape as a RESP3 connection does', async () => {
    const reader = streamReaderConnection(redis, 'spec reader');
    opened.push(reader);
    const expected = [
      [
        stream,
        [
          ['1-1', ['e', '{"n":1}']],
          ['1-2', ['e', '{"n":2}']],
        ],
      ],
    ];
    expect(await readBack(redis, stream)).toEqual(expected);
    expect(await readBack(reader, stream)).toEqual(expected);
  });
});

describe('streamReaderConnection on a Redis Cluster', () => {
  let server: RedisClusterServer;
  let cluster: Cluster;

  beforeAll(async () => {
    server = await RedisClusterServer.start();
    cluster = new Cluster(server.seeds, { redisOptions: { connectionName: 'spec-origin' } });
  });

  afterAll(async () => {
    await cluster?.quit();
    await server?.stop();
  });

  it("speaks RESP2 to every master, keeps the cluster's node options, and reads what its connection reads", async () => {
    const stream = 'spec:events:{spec.read}';
    await cluster.xadd(stream, '1-1', 'e', '{"n":1}');
    const reader = streamReaderConnection(cluster, 'spec reader') as Cluster;
    try {
      expect(await readBack(reader, stream)).toEqual(await readBack(cluster, stream));
      const infos = await Promise.all(reader.nodes('master').map(clientInfo));
      expect(infos.length).toBeGreaterThan(0);
      expect(new Set(infos.map((i) => `${i.resp} ${i.name}`))).toEqual(new Set(['2 spec-origin']));
    } finally {
      await closeConnection(reader);
    }
  });
});
