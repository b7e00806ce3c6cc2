// Opens an account and deposits into it over GraphQL with fetch, typed by
// what graphql-codegen (typescript + typescript-operations) generates from
// the bank's schema.graphql and the operations below (graphql-types.ts),
// then prints the account as JSON.
// Usage: node out/graphql.js http://HOST:PORT/graphql
import type {
  DepositMutation,
  DepositMutationVariables,
  OpenAccountMutation,
  OpenAccountMutationVariables,
} from "./graphql-types.js";

declare const process: { argv: string[] };

const endpoint = process.argv[2];

const openAccount = /* GraphQL */ `
  mutation OpenAccount($owner: String!) {
    openAccount(owner: $owner) { id owner balance }
  }
`;

const deposit = /* GraphQL */ `
  mutation Deposit($id: String!, $amount: Int64) {
    deposit(id: $id, amount: $amount) { id owner balance }
  }
`;

// call posts one operation and returns its data, typed by the caller.
async function call<Data, Variables>(query: string, variables: Variables): Promise<Data> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Data; errors?: unknown[] };
  if (!res.ok || body.errors || !body.data) {
    throw new Error(`${res.status} ${JSON.stringify(body)}`);
  }
  return body.data;
}

const opened = await call<OpenAccountMutation, OpenAccountMutationVariables>(openAccount, {
  owner: "ts-graphql",
});
if (!opened.openAccount) throw new Error("openAccount returned null");
const deposited = await call<DepositMutation, DepositMutationVariables>(deposit, {
  id: opened.openAccount.id,
  amount: 1250,
});
if (!deposited.deposit) throw new Error("deposit returned null");
const { id, owner, balance } = deposited.deposit;
console.log(JSON.stringify({ id, owner, balance }));
