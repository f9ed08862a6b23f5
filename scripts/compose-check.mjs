// Checks of `npm run test:compose`, made through the load balancer at <base>:
//   members <n> <timeout s>   /cluster lists n members (3 answers in a row, whichever replicas answer)
//   socket                    a socket on one replica receives an emit made on another
//   served <n>                n requests in a row answer 200
import { io } from 'socket.io-client';

const [base, command, ...args] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function get(path) {
  const response = await fetch(base + path, { signal: AbortSignal.timeout(3000) });
  return { status: response.status, node: response.headers.get('x-shoal-node'), body: await response.json() };
}

async function post(path, body) {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(3000),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return { node: response.headers.get('x-shoal-node'), body: await response.json() };
}

async function members(expected, timeoutSeconds) {
  const started = Date.now();
  let inARow = 0;
  let last = 'no answer';
  while (Date.now() - started < timeoutSeconds * 1000) {
    try {
      const { node, body } = await get('/cluster');
      const ids = body.members.map((m) => m.id);
      last = `${node} sees ${ids.length}: ${ids.join(', ')}`;
      inARow = ids.length === expected ? inARow + 1 : 0;
      if (inARow === 3) {
        console.log(
          `  /cluster through the LB: ${last} (after ${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
        return;
      }
    } catch (error) {
      last = error.message;
      inARow = 0;
    }
    await sleep(500);
  }
  throw new Error(`/cluster never listed ${expected} members in ${timeoutSeconds} s (last: ${last})`);
}

async function socket() {
  const { body } = await post('/auth/token', { userId: 'compose-check' });
  const client = io(`${base}/live`, {
    auth: { token: body.token },
    transports: ['websocket'],
    reconnection: false,
  });
  try {
    await new Promise((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    const joined = await client.timeout(3000).emitWithAck('join', { room: 'compose-check' });
    if (!joined.ok) throw new Error(`join refused: ${JSON.stringify(joined)}`);
    const { body: sockets } = await get('/realtime/sockets?room=compose-check');
    const socketNode = sockets.sockets[0]?.nodeId;
    if (!socketNode) throw new Error('the socket is not listed by /realtime/sockets');
    const received = new Map();
    client.on('ping-from', (data) => received.set(data.i, Date.now()));
    let emitter;
    let emitted;
    let sentAt = 0;
    for (let i = 0; i < 30 && !emitter; i += 1) {
      // Round robin: keep asking until a replica other than the socket's answers (and emits); only that emit counts.
      sentAt = Date.now();
      const { node } = await post('/realtime/emit', {
        room: 'compose-check',
        event: 'ping-from',
        data: { i },
      });
      if (node !== socketNode) [emitter, emitted] = [node, i];
    }
    if (!emitter) throw new Error(`every emit landed on ${socketNode}, the socket's own replica`);
    for (let waited = 0; !received.has(emitted); waited += 50) {
      if (waited > 5000) throw new Error(`the emit made on ${emitter} did not reach the socket within 5 s`);
      await sleep(50);
    }
    const tookMs = received.get(emitted) - sentAt;
    console.log(
      `  socket on ${socketNode} received an emit made on ${emitter} (${tookMs} ms after the request)`,
    );
  } finally {
    client.close();
  }
}

async function served(count) {
  const nodes = new Set();
  for (let i = 0; i < count; i += 1) {
    const { status, node } = await get('/cluster');
    if (status !== 200) throw new Error(`request ${i + 1} answered ${status}`);
    nodes.add(node);
  }
  console.log(`  ${count} requests in a row answered 200, by ${[...nodes].sort().join(', ')}`);
}

try {
  if (command === 'members') await members(Number(args[0]), Number(args[1] ?? 60));
  else if (command === 'socket') await socket();
  else if (command === 'served') await served(Number(args[0] ?? 10));
  else throw new Error(`unknown check ${command}`);
} catch (error) {
  console.error(`  ${error.message}`);
  process.exit(1);
}
