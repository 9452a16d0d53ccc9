// KubeClient against a TLS API endpoint the way a cluster serves it (CA-signed certificate, bearer
// token): requests share one TLS connection, a connection the server closed is replaced without
// the caller seeing an error, and a wrong CA is refused. client-node 2.0's own fetch path opened a
// new TLS connection for every request.
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeClient, loadKubeConfig, Resources } from '../../src/kube/index.ts';
import { planCertificates } from '../../src/webhook/certs.ts';

const TOKEN = 'transport-test-token';

describe('KubeClient over TLS', () => {
  let server: Server;
  let dir: string;
  let port = 0;
  let caCert = '';
  let handshakes = 0;
  const sockets = new Set<Socket>();
  const authSeen: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oe-transport-'));
    const { material } = await planCertificates(undefined, new Date(), {
      dnsNames: ['kubernetes.default.svc'],
    });
    caCert = material.caCert;
    server = createServer({ cert: material.cert, key: material.key }, (req, res) => {
      authSeen.push(req.headers.authorization ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: 'x', resourceVersion: '1' },
        }),
      );
    });
    server.on('secureConnection', (s: Socket) => {
      handshakes++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  async function clientWith(ca: string): Promise<KubeClient> {
    const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: c',
        'clusters:',
        '- name: c',
        '  cluster:',
        `    server: https://127.0.0.1:${port}`,
        `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`,
        '    tls-server-name: kubernetes.default.svc',
        'users:',
        '- name: u',
        '  user:',
        `    token: ${TOKEN}`,
        'contexts:',
        '- name: c',
        '  context:',
        '    cluster: c',
        '    user: u',
      ].join('\n'),
    );
    return new KubeClient(loadKubeConfig({ kubeconfigPath: path }));
  }

  test('sequential requests share one TLS connection and carry the token', async () => {
    const client = await clientWith(caCert);
    const before = handshakes;
    for (let i = 0; i < 20; i++)
      assert.equal((await client.get(Resources.Namespace, 'x')).metadata.name, 'x');
    assert.equal(handshakes - before, 1, 'one TLS handshake for 20 requests');
    assert.ok(authSeen.slice(-20).every((a) => a === `Bearer ${TOKEN}`));
    client.close();
  });

  test('the server closing idle connections is invisible to the caller', async () => {
    const client = await clientWith(caCert);
    await client.get(Resources.Namespace, 'x');
    for (const s of sockets) s.destroy();
    const before = handshakes;
    for (let i = 0; i < 3; i++) assert.equal((await client.get(Resources.Namespace, 'x')).metadata.name, 'x');
    assert.equal(handshakes - before, 1, 'one new connection after the drop');
    client.close();
  });

  test('a certificate from another CA is refused', async () => {
    const other = await planCertificates(undefined, new Date(), { dnsNames: ['kubernetes.default.svc'] });
    const client = await clientWith(other.material.caCert);
    await assert.rejects(client.get(Resources.Namespace, 'x'), (e: Error & { code?: string }) =>
      /certificate|self.signed|verify/i.test(`${e.code ?? ''} ${e.message}`),
    );
    client.close();
  });
});
