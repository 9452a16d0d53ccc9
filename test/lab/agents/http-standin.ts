// Stand-in for kube-proxy + pods inside a node namespace: answers HTTP on every local address (node IP
// and the Service IPs the lab routes to this node as local routes) with a body naming the node.
// Usage: node http-standin.ts <node-name> <port> [<lab namespace, only a tag for ps>]
import { createServer } from 'node:http';

const [name = 'unknown', portArg = '80'] = process.argv.slice(2);
const port = Number(portArg);

const server = createServer((req, res) => {
  const local = (req.socket.localAddress ?? '').replace(/^::ffff:/, '');
  const body = `node=${name} addr=${local}\n`;
  res.writeHead(200, {
    'content-type': 'text/plain',
    'x-oelab-node': name,
    connection: 'close',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 1000;
server.listen({ host: '::', port, ipv6Only: false }, () => {
  process.stdout.write(`http-standin ready node=${name} port=${port}\n`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
