// Opens an account and deposits into it through openapi-fetch, typed by the
// paths openapi-typescript generates from the bank's openapi.json
// (openapi-types.ts), then prints the account as JSON.
// Usage: node out/openapi.js http://HOST:PORT
import createClient from "openapi-fetch";
import type { paths } from "./openapi-types.js";

declare const process: { argv: string[] };

const bank = createClient<paths>({ baseUrl: process.argv[2] });

const opened = await bank.POST("/accounts", { body: { owner: "ts-openapi" } });
if (!opened.data) {
  throw new Error(`openAccount: ${opened.response.status} ${JSON.stringify(opened.error)}`);
}
const deposited = await bank.POST("/accounts/{id}/deposit", {
  params: { path: { id: opened.data.id } },
  body: { amount: 1250 },
});
if (!deposited.data) {
  throw new Error(`deposit: ${deposited.response.status} ${JSON.stringify(deposited.error)}`);
}
const { id, owner, balance } = deposited.data;
console.log(JSON.stringify({ id, owner, balance }));
