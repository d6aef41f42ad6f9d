'use strict'

// Benchmark peer: the fastest Node.js GraphQL server we know of, mercurius (graphql-jit)
// on fastify, answering the trivial schema `type Query { hello: String }`.
// Production settings: no logger, no GraphiQL, JIT after the first execution of a query,
// mercurius' default parsed-query LRU cache on.
//   PORT=5101 NODE_ENV=production node server.js

const Fastify = require('fastify')
const mercurius = require('mercurius')

const port = Number.parseInt(process.env.PORT ?? '5101', 10)
const host = process.env.HOST ?? '127.0.0.1'

const schema = `
  type Query {
    hello: String
  }
`

const resolvers = {
  Query: {
    hello: async () => 'world'
  }
}

const app = Fastify({ logger: false })

app.register(mercurius, {
  schema,
  resolvers,
  jit: 1,
  graphiql: false,
  path: '/graphql'
})

const shutdown = () => {
  app.close().then(() => process.exit(0), () => process.exit(1))
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)

app.listen({ port, host }).then(
  (address) => { process.stdout.write(`mercurius-jit listening on ${address}\n`) },
  (err) => { process.stderr.write(`${err.stack}\n`); process.exit(1) }
)
