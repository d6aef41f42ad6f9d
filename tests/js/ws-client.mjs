#!/usr/bin/env node
// tests/js/ws-client.mjs <graphql endpoint url> — drives a running PrivateNexus server with the
// off-the-shelf graphql-ws client (npm `graphql-ws`, over npm `ws`: Node 20 has no stable global
// WebSocket), used exactly as an application uses it, plus @urql/core's subscriptionExchange over
// that same client:
//
//   1. createClient({ url, connectionParams: { authorization: 'Bearer …' } }); a query over the socket;
//   2. subscription { auditEventAdded { … } }; a createClient mutation sent over HTTP; its audit
//      event arrives on the socket with the right action, target, client and outcome;
//   3. the subscription is completed by the client; the server sends nothing more for it;
//   4. a bad token: the client fails with close code 4403 (Forbidden);
//   5. @urql/core + subscriptionExchange (forwarding to graphql-ws) receives an audit event too.
//
// Prints one JSON summary on stdout ({ ok, checks: [{ name, ok, detail | error }] }) and exits 1
// when a check fails (2 on bad usage or a crash). PNX_WS_TOKEN (environment, not argv, so it stays
// out of process listings): an access token of a platform admin (who may read the whole audit
// trail and create and delete clients). Driven by
// tests/PrivateNexus.Tests/Realtime/GraphQLWsLibraryTests.cs.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Client, fetchExchange, subscriptionExchange, gql } from '@urql/core';

const httpUrl = process.argv[2];
const token = process.env.PNX_WS_TOKEN;
if (!httpUrl || process.argv.length > 3 || !token) {
  console.error('usage: PNX_WS_TOKEN=<access token> node tests/js/ws-client.mjs <graphql endpoint url>');
  process.exit(2);
}
const wsUrl = httpUrl.replace(/^http/, 'ws');
const EVENT_TIMEOUT_MS = 10_000;

const checks = [];
async function check(name, fn) {
  try {
    const detail = await fn();
    checks.push({ name, ok: true, ...(detail === undefined ? {} : { detail }) });
    return true;
  } catch (error) {
    checks.push({ name, ok: false, error: error instanceof Error ? String(error.stack) : describe(error) });
    return false;
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GraphQL request over HTTP (the mutation that triggers the event travels another way than the event). */
async function http(query, variables) {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (response.status !== 200 || body.errors || !body.data) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.data;
}

const createdClients = [];
async function createTenant(prefix) {
  const slug = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const data = await http('mutation($i: CreateClientInput!) { createClient(input: $i) { id slug } }', {
    i: { name: `graphql-ws check ${slug}`, slug },
  });
  createdClients.push(data.createClient.id);
  return data.createClient;
}

/**
 * A subscription as an app holds it: events pushed into a list, with a way to wait for one that
 * matches. graphql-ws gives no signal when the server has set a subscription up, so `waitLive`
 * creates throw-away clients over HTTP until the first event of one of them arrives: from then on
 * the subscription is surely live, and the asserted mutation must arrive.
 */
function watch(subscribeFn) {
  const events = [];
  const waiters = [];
  let failure = null;
  let completed = false;
  const sink = {
    next(value) {
      events.push(value);
      for (const w of [...waiters]) w.test();
    },
    error(error) {
      failure = error;
      for (const w of [...waiters]) w.test();
    },
    complete() {
      completed = true;
    },
  };
  const unsubscribe = subscribeFn(sink);
  const waitFor = (predicate, what, ms = EVENT_TIMEOUT_MS) => {
    let waiter;
    return withTimeout(
      new Promise((resolve, reject) => {
        waiter = {
          test() {
            if (failure) {
              reject(new Error(`the subscription failed: ${describe(failure)}`));
              return;
            }
            const found = events.find(predicate);
            if (found) {
              resolve(found);
            }
          },
        };
        waiters.push(waiter);
        waiter.test();
      }),
      ms,
      what,
    ).finally(() => waiters.splice(waiters.indexOf(waiter), 1));
  };
  const waitLive = async (targetOf) => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const probe = await createTenant('ws-probe');
      try {
        await waitFor((e) => targetOf(e) === probe.id, 'a probe event', 500);
        return attempt;
      } catch {
        // Not live yet (or slow): try again; a later probe's event proves it live.
      }
    }
    throw new Error('no probe event arrived after 20 mutations: the subscription never went live');
  };
  return { events, waitFor, waitLive, unsubscribe, get completed() { return completed; } };
}

function describe(error) {
  if (error && typeof error === 'object' && 'code' in error && 'reason' in error) {
    return `close ${error.code} ${error.reason}`;
  }
  if (Array.isArray(error)) {
    return JSON.stringify(error);
  }
  return String(error?.message ?? error);
}

const AUDIT_SUBSCRIPTION = 'subscription { auditEventAdded { id time action targetType targetId clientId outcome actorType } }';

// One graphql-ws client as an app creates it. `received` records every message the socket brings
// (the client's `message` event), so the check after `complete` can look at the wire.
const received = [];
const closes = [];
const wsClient = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    message: (message) => received.push(message),
    closed: (event) => closes.push({ code: event?.code, reason: event?.reason }),
  },
});

try {
  await check('query over the socket', async () => {
    const results = [];
    for await (const result of wsClient.iterate({ query: '{ me { id email } }' })) {
      results.push(result);
    }
    assert(results.length === 1, `expected one result, got ${JSON.stringify(results)}`);
    assert(!results[0].errors && results[0].data?.me?.email, `unexpected result ${JSON.stringify(results[0])}`);
    return { email: results[0].data.me.email };
  });

  let subscription = null;
  let triggered = null;
  await check('auditEventAdded delivers the event of a mutation sent over HTTP', async () => {
    subscription = watch((sink) => wsClient.subscribe({ query: AUDIT_SUBSCRIPTION }, sink));
    const probes = await subscription.waitLive((e) => e.data?.auditEventAdded?.targetId);
    triggered = await createTenant('ws-check');
    const event = await subscription.waitFor(
      (e) => e.data?.auditEventAdded?.targetId === triggered.id,
      `the audit event of createClient ${triggered.slug}`,
    );
    assert(!event.errors, `the event carries errors: ${JSON.stringify(event.errors)}`);
    const audit = event.data.auditEventAdded;
    assert(audit.action === 'client.create', `action ${audit.action}, expected client.create`);
    assert(audit.targetType === 'client', `targetType ${audit.targetType}, expected client`);
    assert(audit.clientId === triggered.id, `clientId ${audit.clientId}, expected ${triggered.id}`);
    assert(audit.outcome === 'SUCCESS', `outcome ${audit.outcome}`);
    assert(audit.actorType === 'USER', `actorType ${audit.actorType}, expected USER`);
    assert(typeof audit.id === 'string' && audit.id.length > 0, 'no id');
    const age = Date.now() - Date.parse(audit.time);
    assert(Number.isFinite(age) && age > -60_000 && age < 60_000, `time ${audit.time} is not now`);
    return { probes, action: audit.action, targetId: audit.targetId };
  });

  await check('completing the subscription stops its events', async () => {
    assert(subscription, 'no subscription to complete');
    // The id graphql-ws gave the operation: the subscribe message's id is on the `next` messages.
    const ids = new Set(received.filter((m) => m.type === 'next' && m.payload?.data?.auditEventAdded).map((m) => m.id));
    assert(ids.size === 1, `expected the events on one operation id, saw ${JSON.stringify([...ids])}`);
    const [id] = ids;
    subscription.unsubscribe();
    // A second subscription keeps the socket open (graphql-ws closes a lazy socket once it has no
    // operation left), so the server is sent `complete` for `id` rather than seeing the socket go.
    const keeper = watch((sink) => wsClient.subscribe({ query: AUDIT_SUBSCRIPTION }, sink));
    await keeper.waitLive((e) => e.data?.auditEventAdded?.targetId);
    const after = await createTenant('ws-after');
    await keeper.waitFor((e) => e.data?.auditEventAdded?.targetId === after.id, 'the event on the other subscription');
    await sleep(300);
    const late = received.filter((m) => m.id === id && m.type === 'next' && m.payload?.data?.auditEventAdded?.targetId === after.id);
    assert(late.length === 0, `the server sent ${late.length} event(s) for completed operation ${id}`);
    keeper.unsubscribe();
    return { completedId: id };
  });

  await check('a bad token fails the client with close code 4403', async () => {
    const closed = [];
    const bad = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: 'Bearer not-a-valid-token' },
      // graphql-ws retries 4403 by default ("might grant access after retry"); an app that wants
      // the failure at once sets this. The close code is what is under test.
      retryAttempts: 0,
      on: { closed: (event) => closed.push(event?.code) },
    });
    let error = null;
    try {
      const subscription = watch((sink) => bad.subscribe({ query: AUDIT_SUBSCRIPTION }, sink));
      await subscription.waitFor(() => false, 'never', 5_000).catch((e) => {
        error = e;
      });
    } finally {
      await bad.dispose();
    }
    assert(closed.includes(4403), `expected close code 4403, the client saw ${JSON.stringify(closed)}: ${error?.message}`);
    assert(error && /close 4403/.test(error.message), `the subscription did not fail with 4403: ${error?.message}`);
    return { closeCodes: closed };
  });

  await check('@urql/core with subscriptionExchange over graphql-ws receives an event', async () => {
    const urqlWs = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const urql = new Client({
      url: httpUrl,
      fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query || '' };
            return {
              subscribe(sink) {
                const unsubscribe = urqlWs.subscribe(input, sink);
                return { unsubscribe };
              },
            };
          },
        }),
      ],
    });
    try {
      const subscription = watch((sink) => {
        const { unsubscribe } = urql.subscription(gql(AUDIT_SUBSCRIPTION), {}).subscribe((result) => {
          if (result.error) sink.error(result.error);
          else sink.next(result);
        });
        return unsubscribe;
      });
      const probes = await subscription.waitLive((e) => e.data?.auditEventAdded?.targetId);
      const tenant = await createTenant('ws-urql');
      const event = await subscription.waitFor((e) => e.data?.auditEventAdded?.targetId === tenant.id, 'the event through urql');
      assert(event.data.auditEventAdded.action === 'client.create', `action ${event.data.auditEventAdded.action}`);
      subscription.unsubscribe();
      return { probes };
    } finally {
      await urqlWs.dispose();
    }
  });
} catch (error) {
  checks.push({ name: 'unexpected crash', ok: false, error: String(error?.stack ?? error) });
} finally {
  await wsClient.dispose();
  // Clean up the clients made here (their deletion is audited too, nobody listens any more).
  for (const id of createdClients) {
    try {
      await http('mutation($id: ID!) { deleteClient(id: $id) }', { id });
    } catch (error) {
      checks.push({ name: `clean-up of client ${id}`, ok: false, error: String(error?.message ?? error) });
    }
  }
}

const failures = checks.filter((c) => !c.ok).length;
console.log(JSON.stringify({ url: wsUrl, client: 'graphql-ws', ok: failures === 0 && checks.length >= 5, failures, checks, closes }, null, 2));
process.exit(failures === 0 ? 0 : 1);
