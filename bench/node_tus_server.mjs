// The reference tus server for bench/tus_node.py: @tus/server with @tus/file-store, as their
// README shows, on a loopback address. Prints "listening <port>" once it accepts requests.
//
//   node bench/node_tus_server.mjs --port 1080 --dir /tmp/files [--host 127.0.0.1]
//
// The packages come from the project's node_modules (package.json devDependencies), or from
// the node_modules directory named by TUS_NODE_MODULES.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "1080" },
    dir: { type: "string" },
  },
});
if (!values.dir) throw new Error("--dir is required");
if (!["127.0.0.1", "::1", "localhost"].includes(values.host)) {
  throw new Error("loopback addresses only");
}

async function load(name) {
  const base = process.env.TUS_NODE_MODULES;
  if (!base) return import(name);
  return import(pathToFileURL(path.join(base, name, "dist", "index.js")).href);
}

const { Server } = await load("@tus/server");
const { FileStore } = await load("@tus/file-store");

const server = new Server({
  path: "/files",
  datastore: new FileStore({ directory: values.dir }),
});
const http = server.listen({ host: values.host, port: Number(values.port) }, () => {
  console.log(`listening ${http.address().port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => http.close(() => process.exit(0)));
}
