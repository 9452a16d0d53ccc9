// A kubeconfig both kubectl and client-node accept for the double's plain-HTTP URL.
import { writeFileSync } from 'node:fs';

export const DOUBLE_TOKEN = 'kube-double-token';

/**
 * `insecure-skip-tls-verify: true` is what client-node 2.x demands before it talks to an http://
 * server ("HTTP protocol is not allowed when skipTLSVerify is not set or false"); kubectl ignores
 * it for http:// and simply talks plain HTTP.
 */
export function kubeconfigYaml(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kube-double',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: kube-double',
    '  user:',
    `    token: ${DOUBLE_TOKEN}`,
    'contexts:',
    '- name: kube-double',
    '  context:',
    '    cluster: kube-double',
    '    user: kube-double',
    '    namespace: default',
    'current-context: kube-double',
    'preferences: {}',
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, url: string): void {
  writeFileSync(path, kubeconfigYaml(url), { mode: 0o600 });
}
