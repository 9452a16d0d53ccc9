// A GET with a chosen Accept header against the contract target, with the kubeconfig's credentials,
// answering the status, the response Content-Type and the parsed body (discovery negotiation needs all three).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface RawResponse {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

export async function rawGet(kc: KubeConfig, path: string, accept: string): Promise<RawResponse> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(server.replace(/\/+$/, '') + path);
  const opts: RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  opts.method = 'GET';
  opts.headers = { ...opts.headers, Accept: accept };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return await new Promise<RawResponse>((resolve, reject) => {
    const req = send(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          });
        } catch (e) {
          reject(new Error(`GET ${path}: ${(e as Error).message}`));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}
