// The Shoal dashboard: renders the snapshots the replica pushes over Socket.IO (`/live`, room `dashboard`) and the
// order feed (room `orders`). Hooks for tests and monitors: [data-member="<node id>"] per live member, [data-leader]
// on the leader's, [data-order="<order id>"] per order in the feed.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const FEED_SIZE = 30;
  const orders = new Map();
  let last = null;
  let receivedAt = 0;

  function h(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs ?? {})) {
      if (value === false || value === undefined || value === null) continue;
      element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) element.append(child instanceof Node ? child : String(child));
    return element;
  }

  function duration(ms) {
    const s = Math.floor(ms / 1000);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString();
  }

  function renderMembers(snapshot) {
    const elapsed = Date.now() - receivedAt;
    $('members').replaceChildren(
      ...snapshot.members.map((m) =>
        h(
          'li',
          { 'data-member': m.id, 'data-leader': m.role === 'leader', 'data-self': m.self },
          h('div', { class: 'id' }, m.id, m.self ? ' (this replica)' : ''),
          h('div', { class: 'role' }, m.role),
          h('div', { class: 'meta' }, `up ${duration(m.ageMs + elapsed)} · ${m.host} pid ${m.pid}`),
        ),
      ),
    );
    $('member-count').textContent = `${snapshot.members.length} live`;
  }

  function renderShards(snapshot) {
    const most = Math.max(1, ...snapshot.members.map((m) => m.shards));
    $('shard-keys').textContent = `of ${snapshot.shardSampleKeys} sample keys`;
    $('shards').replaceChildren(
      ...snapshot.members.map((m) =>
        h(
          'li',
          {},
          h('span', {}, m.id),
          h('span', { class: 'bar', style: `width:${(100 * m.shards) / most}%` }),
          h('span', {}, m.shards),
        ),
      ),
    );
  }

  function renderEvents(snapshot) {
    $('events').replaceChildren(
      ...snapshot.events.map((e) =>
        h('li', {}, h('span', { class: e.type }, e.type), ` ${e.id} at ${time(e.at)}`),
      ),
    );
  }

  function renderQueues(snapshot) {
    $('queues').replaceChildren(
      ...snapshot.queues.map((q) =>
        h(
          'tr',
          { 'data-queue': q.name },
          h('td', {}, q.name),
          h('td', {}, q.waiting),
          h('td', {}, q.active),
          h('td', {}, q.delayed),
          h('td', {}, q.failed),
          h('td', { class: q.dead > 0 ? 'fail' : undefined }, q.dead),
        ),
      ),
    );
    $('event-dead').textContent = snapshot.eventDeadLetters ?? '—';
  }

  function renderFigures(snapshot) {
    $('outbox-pending').textContent = snapshot.outbox ? snapshot.outbox.pending : '—';
    $('outbox-age').textContent = snapshot.outbox ? duration(snapshot.outbox.oldestAgeMs) : '—';
    $('presence-users').textContent = snapshot.presence ? snapshot.presence.users : '—';
    $('presence-sockets').textContent = snapshot.presence ? snapshot.presence.sockets : '—';
  }

  function addOrder(order, fresh) {
    if (orders.has(order.id)) return;
    orders.set(order.id, { ...order, createdAt: order.createdAt ?? new Date().toISOString(), fresh });
  }

  function renderOrders() {
    const newest = [...orders.values()]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, FEED_SIZE);
    for (const id of orders.keys()) if (!newest.some((o) => o.id === id)) orders.delete(id);
    $('orders').replaceChildren(
      ...newest.map((o) => {
        const item = h(
          'li',
          { 'data-order': o.id, class: o.fresh ? 'fresh' : undefined },
          `${time(o.createdAt)} · ${o.userId} · ${o.total} · `,
          h('code', {}, o.id.slice(0, 8)),
        );
        o.fresh = false;
        return item;
      }),
    );
  }

  function renderWebhooks(snapshot) {
    $('webhooks').replaceChildren(
      ...snapshot.webhooks.map((w) =>
        h(
          'li',
          { 'data-delivery': w.id },
          `${time(w.at)} · ${w.eventType} · attempt ${w.attempt} · `,
          h('span', { class: w.outcome === 'success' ? 'joined' : 'fail' }, `${w.outcome} ${w.status ?? ''}`),
          ' · ',
          h('code', {}, w.webhookId.slice(0, 8)),
        ),
      ),
    );
    if (snapshot.webhooks.length === 0) $('webhooks').append(h('li', { class: 'hint' }, 'no deliveries yet'));
  }

  function render(snapshot) {
    last = snapshot;
    receivedAt = Date.now();
    $('node').textContent = snapshot.node;
    $('leader').textContent = snapshot.leader ? snapshot.leader.id : 'none';
    $('token').textContent = snapshot.leader ? snapshot.leader.token : '—';
    renderMembers(snapshot);
    renderShards(snapshot);
    renderEvents(snapshot);
    renderQueues(snapshot);
    renderFigures(snapshot);
    for (const order of snapshot.orders) addOrder(order, false);
    renderOrders();
    renderWebhooks(snapshot);
    $('errors').textContent = snapshot.errors.length ? `could not read: ${snapshot.errors.join(', ')}` : '';
  }

  async function json(path, init) {
    const response = await fetch(path, { headers: { 'content-type': 'application/json' }, ...init });
    const body = await response.json();
    if (!response.ok) throw new Error(Array.isArray(body.message) ? body.message.join('; ') : body.message);
    return body;
  }

  function setConnection(on, text) {
    $('connection').className = `badge ${on ? 'on' : 'off'}`;
    $('connection').textContent = text;
  }

  async function connect() {
    const viewer = `dashboard-${Math.random().toString(36).slice(2, 8)}`;
    const { token } = await json('/auth/token', { method: 'POST', body: JSON.stringify({ userId: viewer }) });
    // WebSocket only: no sticky sessions needed behind a load balancer.
    const socket = io('/live', { auth: { token }, transports: ['websocket'] });
    socket.on('connect', async () => {
      setConnection(true, 'live');
      socket.emit('join', { room: 'dashboard' });
      socket.emit('join', { room: 'orders' });
      render(await json('/dashboard/state'));
    });
    socket.on('disconnect', () => setConnection(false, 'reconnecting…'));
    socket.on('connect_error', (error) => setConnection(false, `offline: ${error.message}`));
    socket.on('dashboard.state', render);
    socket.on('order.placed', (order) => {
      addOrder(order, true);
      renderOrders();
    });
  }

  $('order-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      const { order } = await json('/orders', {
        method: 'POST',
        body: JSON.stringify({ userId: form.get('userId'), total: Number(form.get('total')) }),
      });
      $('order-result').textContent = `placed ${order.id.slice(0, 8)}`;
    } catch (error) {
      $('order-result').textContent = `refused: ${error.message}`;
    }
  });

  $('replay').addEventListener('click', async () => {
    try {
      const { events, jobs } = await json('/dashboard/dead-letters/replay', { method: 'POST' });
      $('replay-result').textContent = `replayed ${events} events, ${jobs} jobs`;
    } catch (error) {
      $('replay-result').textContent = `failed: ${error.message}`;
    }
  });

  // Ages tick between pushes.
  setInterval(() => last && renderMembers(last), 1000);

  connect().catch((error) => setConnection(false, `offline: ${error.message}`));
})();
