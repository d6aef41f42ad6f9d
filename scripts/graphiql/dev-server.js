// Stand-alone stand-in for the PrivateNexus server, to look at the vendored GraphiQL explorer
// without building the .NET app. Development aid only; nothing here is shipped.
//
//   cd scripts/graphiql && npm ci --ignore-scripts && node dev-server.js [port]
//   then open http://127.0.0.1:5299/graphql
//
// It mirrors the real server's routing: GET /graphql (Accept: text/html) -> wwwroot/graphiql/index.html,
// /graphql-explorer/<file> -> wwwroot/graphiql/<file>, POST /graphql -> a toy schema. Introspection and
// `viewer` need "Authorization: Bearer <token>" (any token except "bad"; otherwise 401 UNAUTHENTICATED),
// unless OPEN_INTROSPECTION=1. Every response carries a strict Content-Security-Policy (override with the
// CSP environment variable); violations the browser reports are printed to stderr.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { graphql, buildSchema, parse, visit } = require('graphql');

const port = Number(process.argv[2] || process.env.PORT || 5299);
const assets = path.resolve(__dirname, '../../src/PrivateNexus.Server/wwwroot/graphiql');
const openIntrospection = process.env.OPEN_INTROSPECTION === '1';
const csp =
  process.env.CSP ||
  "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self' data:; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; report-uri /csp-report";

const schema = buildSchema(`
  """A person who can sign in."""
  type User {
    id: ID!
    "Display name."
    name: String!
    email: String
    projects(first: Int = 10): [Project!]!
  }

  """A private project."""
  type Project {
    id: ID!
    title: String!
    createdAt: String!
    archived: Boolean!
  }

  type Query {
    "The caller, or null when anonymous."
    viewer: User
    "A project by id."
    project(id: ID!): Project
  }

  type Mutation {
    "Renames a project."
    renameProject(id: ID!, title: String!): Project
  }
`);

const projects = [
  { id: 'p1', title: 'Roadmap', createdAt: '2025-01-02T10:00:00Z', archived: false },
  { id: 'p2', title: 'Old notes', createdAt: '2023-06-30T08:30:00Z', archived: true }
];
const rootValue = {
  viewer: (_args, ctx) =>
    ctx.token ? { id: 'u1', name: 'Dev User', email: 'dev@example.invalid', projects: ({ first }) => projects.slice(0, first) } : null,
  project: ({ id }) => projects.find((p) => p.id === id) || null,
  renameProject: ({ id, title }) => {
    const p = projects.find((x) => x.id === id);
    if (p) p.title = title;
    return p || null;
  }
};

const mime = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8'
};

function send(res, status, type, body, extra) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(body);
}

function serveFile(res, file) {
  fs.readFile(file, (err, data) => {
    if (err) return send(res, 404, 'text/plain', 'not found');
    send(res, 200, mime[path.extname(file)] || 'application/octet-stream', data, { 'Cache-Control': 'no-cache' });
  });
}

function usesIntrospection(doc) {
  let found = false;
  visit(doc, { Field: (node) => { if (node.name.value === '__schema' || node.name.value === '__type') found = true; } });
  return found;
}

function gqlError(res, status, message, code) {
  send(res, status, 'application/graphql-response+json; charset=utf-8',
    JSON.stringify({ errors: [{ message, extensions: code ? { code } : undefined }] }));
}

async function handleGraphql(req, res) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return gqlError(res, 400, 'Request body is not JSON.', 'BAD_REQUEST');
  }
  const auth = req.headers.authorization || '';
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  const token = m ? m[1].trim() : null;
  if (token === 'bad') return gqlError(res, 401, 'The access token is invalid or expired.', 'UNAUTHENTICATED');
  let doc;
  try {
    doc = parse(body.query || '');
  } catch (e) {
    return gqlError(res, 400, e.message, 'GRAPHQL_PARSE_FAILED');
  }
  if (!token && !openIntrospection && usesIntrospection(doc)) {
    return gqlError(res, 401, 'Introspection requires an authenticated caller.', 'UNAUTHENTICATED');
  }
  const result = await graphql({
    schema,
    source: body.query,
    rootValue,
    contextValue: { token },
    variableValues: body.variables,
    operationName: body.operationName
  });
  send(res, 200, 'application/graphql-response+json; charset=utf-8', JSON.stringify(result));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const p = url.pathname;
  console.log(`${req.method} ${p}${req.headers.authorization ? ' (with Authorization)' : ''}`);
  if (p === '/csp-report' && req.method === 'POST') {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      console.error('CSP VIOLATION ' + raw);
      res.writeHead(204).end();
    });
    return;
  }
  if (p === '/graphql' && req.method === 'POST') {
    handleGraphql(req, res).catch((e) => gqlError(res, 500, String(e && e.message), 'INTERNAL'));
    return;
  }
  if ((p === '/graphql' || p === '/') && req.method === 'GET' && /text\/html/.test(req.headers.accept || '')) {
    return serveFile(res, path.join(assets, 'index.html'));
  }
  if (p.startsWith('/graphql-explorer/') && (req.method === 'GET' || req.method === 'HEAD')) {
    const name = p.slice('/graphql-explorer/'.length);
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) return send(res, 404, 'text/plain', 'not found');
    return serveFile(res, path.join(assets, name));
  }
  send(res, 404, 'text/plain', 'not found');
});

server.listen(port, '127.0.0.1', () => {
  console.log(`GraphiQL dev server on http://127.0.0.1:${port}/graphql (assets from ${assets})`);
});
