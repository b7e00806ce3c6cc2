// Validates each query of the JSON array on stdin against the SDL file
// argv[2] with graphql-js; prints a JSON array of each query's errors.
import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";

const schema = buildSchema(readFileSync(process.argv[2], "utf8"));
const queries = JSON.parse(readFileSync(0, "utf8"));
const out = queries.map((q) => {
  try {
    return validate(schema, parse(q)).map((e) => e.message);
  } catch (e) {
    return [String(e.message)];
  }
});
console.log(JSON.stringify(out));
