// The Connect and gRPC-Web checks of the JavaScript clients, shared by
// node_client.mjs (Node) and index.html (a browser): @connectrpc/connect-web
// over fetch, with the service's schema built at run time from a
// FileDescriptorSet (no code generation), as JSON and binary.
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

function check(ok, what) {
  if (!ok) throw new Error(what);
}

async function rejects(promise, code, message, what) {
  try {
    await promise;
  } catch (e) {
    const err = ConnectError.from(e);
    check(err.code === code && (message === undefined || err.rawMessage === message),
      `${what}: got ${Code[err.code]} ${JSON.stringify(err.rawMessage)}, want ${Code[code]} ${JSON.stringify(message)}`);
    return;
  }
  throw new Error(`${what}: succeeded, want ${Code[code]}`);
}

// run calls the greeter service at baseUrl over every protocol and format
// and returns one line per protocol; it throws on the first wrong answer.
export async function run(baseUrl, descriptorSet) {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
  const service = registry.getService("greeter.v1.GreeterService");
  check(service !== undefined, "greeter.v1.GreeterService is not in the descriptor set");
  const transports = [
    ["connect+json", "connect", createConnectTransport({ baseUrl })],
    ["connect+proto", "connect", createConnectTransport({ baseUrl, useBinaryFormat: true })],
    ["grpc-web+proto", "grpc-web", createGrpcWebTransport({ baseUrl, useBinaryFormat: true })],
    ["grpc-web+json", "grpc-web", createGrpcWebTransport({ baseUrl })],
  ];
  const lines = [];
  for (const [name, protocol, transport] of transports) {
    const client = createClient(service, transport);

    const hello = await client.hello({ name: "Ada" });
    check(hello.message === "Hello, Ada!" && hello.protocol === protocol,
      `${name} hello: ${hello.message} over ${hello.protocol}`);

    const ticks = [];
    for await (const tick of client.count({ to: 3 })) {
      ticks.push(tick);
    }
    check(ticks.length === 3, `${name} count: ${ticks.length} items, want 3`);
    ticks.forEach((tick, i) => {
      // int64 beyond 2^53 arrives exact, as a bigint.
      check(tick.n === i + 1 && tick.big === BigInt(i + 1) * 10000000000000000n && tick.protocol === protocol,
        `${name} count item ${i}: n=${tick.n} big=${tick.big} protocol=${tick.protocol}`);
    });

    // An error after items: the items, then the code.
    const got = [];
    await rejects((async () => {
      for await (const tick of client.count({ to: 5, failAt: 3 })) {
        got.push(tick.n);
      }
    })(), Code.Aborted, "stopped at 3", `${name} count failing at 3`);
    check(got.join() === "1,2", `${name} count failing at 3: items ${got}`);

    await rejects(client.fail({ code: "not_found" }), Code.NotFound, "failed with not_found", `${name} fail`);
    await rejects(client.fail({ code: "permission_denied" }), Code.PermissionDenied, "failed with permission_denied", `${name} fail`);
    await rejects(client.fail({ code: "nope" }), Code.Internal, "internal error", `${name} fail without a code`);
    await rejects(client.hello({ name: "" }), Code.InvalidArgument, undefined, `${name} validation`);

    lines.push(`${name}: unary, stream of ${ticks.length}, stream error, 4 errors`);
  }
  return lines;
}
