// An independent GraphQL client (graphql-js) checks the server: the
// introspection result must build a valid schema equal to /schema.graphql,
// and a query must return the expected data.
//
// Usage: node independent_client.cjs <base URL>   (graphql on NODE_PATH)
'use strict';
const {
  getIntrospectionQuery, buildClientSchema, buildSchema, assertValidSchema,
  lexicographicSortSchema, printType, isSpecifiedScalarType,
} = require('graphql');

async function post(base, query) {
  const res = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  if (res.status !== 200) throw new Error(`POST ${query}: status ${res.status}`);
  return res.json();
}

// describe prints a schema's root types and every type it defines, sorted,
// leaving out what graphql-js and gqlparser declare themselves.
function describe(schema) {
  const s = lexicographicSortSchema(schema);
  const roots = [s.getQueryType(), s.getMutationType(), s.getSubscriptionType()]
    .map((t) => (t ? t.name : '-')).join(' ');
  const types = Object.values(s.getTypeMap())
    .filter((t) => !t.name.startsWith('__') && !isSpecifiedScalarType(t))
    .map(printType);
  return `roots: ${roots}\n\n${types.join('\n\n')}`;
}

async function main() {
  const base = process.argv[2];
  const introspection = await post(base, getIntrospectionQuery({
    descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
    schemaDescription: true, inputValueDeprecation: true,
  }));
  if (introspection.errors) throw new Error('introspection: ' + JSON.stringify(introspection.errors));
  const client = buildClientSchema(introspection.data);
  assertValidSchema(client);

  const res = await fetch(base + '/schema.graphql');
  const exported = buildSchema(await res.text());
  assertValidSchema(exported);

  const got = describe(client);
  const want = describe(exported);
  if (got !== want) {
    console.log('introspection and /schema.graphql differ\n--- introspection\n' + got + '\n--- /schema.graphql\n' + want);
    process.exit(1);
  }
  const hello = await post(base, '{ hello(name: "Ada") { message } }');
  if (JSON.stringify(hello) !== '{"data":{"hello":{"message":"Hello, Ada!"}}}') {
    throw new Error('hello: ' + JSON.stringify(hello));
  }
  console.log(`OK ${Object.keys(client.getTypeMap()).length} types`);
}

main().catch((err) => {
  console.log(String(err && err.stack || err));
  process.exit(1);
});
