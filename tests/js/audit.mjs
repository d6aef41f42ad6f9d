#!/usr/bin/env node
// tests/js/audit.mjs <url> — checks a running PrivateNexus GraphQL endpoint against
//   1. the GraphQL-over-HTTP spec's own audit suite (graphql-http `serverAudits`), and
//   2. a standard client (@urql/core with its fetch exchange): a query (POST and GET), a
//      mutation with variables, and request errors surfacing as GraphQL errors.
//
// Prints one JSON summary on stdout and exits 1 when a MUST audit or a client check fails
// (2 on bad usage or an unexpected crash). SHOULD failures ("warn") are reported, not fatal:
// tests/PrivateNexus.Tests/Transport/SpecAuditTests.cs decides which of them are acceptable.
//
// PNX_AUDIT_TOKEN (optional): a bearer token sent with every request. Several audits use
// introspection (`__type`), which the server refuses to anonymous callers by design; the
// client checks need a caller allowed to create and delete a client organisation (an admin).
// It is taken from the environment, not argv, so it does not show in process listings.
import { serverAudits } from 'graphql-http';
import { Client, fetchExchange, gql } from '@urql/core';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node tests/js/audit.mjs <graphql endpoint url>');
  process.exit(2);
}

const token = process.env.PNX_AUDIT_TOKEN || null;

/** fetch with the caller's token added, unless the request already carries credentials. */
function authorizedFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token && !headers.has('authorization')) {
    headers.set('authorization', `Bearer ${token}`);
  }
  return fetch(input, { ...init, headers });
}

async function runSpecAudit() {
  const results = [];
  // One at a time: the order of the output is stable and the server is not flooded.
  for (const { id, name, fn } of serverAudits({ url, fetchFn: authorizedFetch })) {
    const result = await fn();
    if (result.status !== 'ok') {
      // Keep what the server answered: the reason alone ("status is not 400") rarely explains it.
      let body = '';
      try {
        body = (await result.response.text()).slice(0, 500);
      } catch {
        // Body already read by the audit itself.
      }
      results.push({
        id,
        name,
        status: result.status,
        reason: result.reason,
        httpStatus: result.response.status,
        contentType: result.response.headers.get('content-type'),
        body,
      });
    } else {
      results.push({ id, name, status: 'ok' });
    }
  }

  const pick = (status) => results.filter((r) => r.status === status).map(({ status: _, ...rest }) => rest);
  return {
    total: results.length,
    passes: results.filter((r) => r.status === 'ok').length,
    // graphql-http: a failing MUST is an "error", a failing SHOULD a "warn", a failing MAY a "notice".
    failures: pick('error'),
    warnings: pick('warn'),
    notices: pick('notice'),
  };
}

async function runClientChecks() {
  const checks = [];
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      checks.push({ name, ok: true, ...(detail === undefined ? {} : { detail }) });
    } catch (error) {
      checks.push({ name, ok: false, error: String(error?.stack ?? error) });
    }
  };

  const makeClient = (preferGetMethod) =>
    new Client({
      url,
      exchanges: [fetchExchange],
      preferGetMethod,
      requestPolicy: 'network-only',
      fetchOptions: () => (token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
  const post = makeClient(false);
  const get = makeClient('force');

  const expect = (condition, message, result) => {
    if (!condition) {
      throw new Error(`${message}: ${JSON.stringify({ data: result?.data, error: result?.error?.message, graphQLErrors: result?.error?.graphQLErrors })}`);
    }
  };
  const ok = (result, what) => expect(!result.error && result.data, `${what} failed`, result);

  const me = gql`
    query Me {
      me {
        id
        email
      }
    }
  `;
  await check('query over POST', async () => {
    const result = await post.query(me, {}).toPromise();
    ok(result, 'query Me');
    return { email: result.data.me.email };
  });
  await check('query over GET', async () => {
    const result = await get.query(me, {}).toPromise();
    ok(result, 'query Me over GET');
  });

  const slug = `urql-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let clientId = null;
  await check('mutation with variables', async () => {
    const result = await post
      .mutation(
        gql`
          mutation CreateClient($input: CreateClientInput!) {
            createClient(input: $input) {
              id
              slug
              name
            }
          }
        `,
        { input: { name: 'urql check', slug } },
      )
      .toPromise();
    ok(result, 'mutation CreateClient');
    expect(result.data.createClient.slug === slug, 'the created client has another slug', result);
    clientId = result.data.createClient.id;
    return { slug };
  });
  await check('query with variables reads the mutation back', async () => {
    expect(clientId, 'no client was created', null);
    const result = await get
      .query(
        gql`
          query Client($id: ID!) {
            client(id: $id) {
              id
              slug
            }
          }
        `,
        { id: clientId },
      )
      .toPromise();
    ok(result, 'query Client');
    expect(result.data.client.slug === slug, 'the client read back has another slug', result);
  });
  await check('request errors reach the client as GraphQL errors', async () => {
    // A 400 with graphql-response+json must still give the client the errors, with their codes.
    const result = await post.query(gql`query Broken { noSuchField }`, {}).toPromise();
    const code = result.error?.graphQLErrors?.[0]?.extensions?.code;
    expect(code === 'GRAPHQL_VALIDATION_FAILED', 'expected a GRAPHQL_VALIDATION_FAILED GraphQL error', result);
    expect(!result.error.networkError, 'the error arrived as a network error', result);
    return { code };
  });
  await check('a mutation over GET is refused', async () => {
    // urql never sends mutations with GET; a mutation sent as a query over GET must be refused.
    const response = await authorizedFetch(`${url}?query=${encodeURIComponent('mutation { deleteClient(id: "00000000-0000-0000-0000-000000000000") }')}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    await response.arrayBuffer();
    expect(response.status === 405, `expected 405, got ${response.status}`, null);
  });
  if (clientId) {
    await check('mutation cleans up', async () => {
      const result = await post
        .mutation(gql`mutation Delete($id: ID!) { deleteClient(id: $id) }`, { id: clientId })
        .toPromise();
      ok(result, 'mutation Delete');
    });
  }

  return { name: '@urql/core', failures: checks.filter((c) => !c.ok).length, checks };
}

try {
  const audit = await runSpecAudit();
  const client = await runClientChecks();
  const ok = audit.failures.length === 0 && client.failures === 0;
  console.log(JSON.stringify({ url, authenticated: token !== null, ok, audit, client }, null, 2));
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(error?.stack ?? error);
  process.exit(2);
}
