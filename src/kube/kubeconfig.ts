// Where the manager's API credentials come from: an explicit kubeconfig file, else the in-cluster
// service account (KUBERNETES_SERVICE_HOST + the mounted token and CA).
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { OpenelbError } from '../core/errors.ts';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeConfigSource {
  /** Path to a kubeconfig file (the first one when KUBECONFIG holds a list). */
  kubeconfigPath?: string;
  /** Context to use from the file; default its current-context. */
  context?: string;
  /** Running in a pod (KUBERNETES_SERVICE_HOST set): without a file, use the service account. */
  inCluster?: boolean;
}

export function loadKubeConfig(src: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  const path = src.kubeconfigPath?.split(':').find((p) => p !== '');
  if (path) {
    if (!existsSync(path))
      throw new OpenelbError('OE_KUBECONFIG', `kubeconfig ${path} does not exist`, { context: { path } });
    kc.loadFromFile(path);
    if (src.context) kc.setCurrentContext(src.context);
  } else if (src.inCluster === true && existsSync(SA_TOKEN)) {
    kc.loadFromCluster();
  } else {
    throw new OpenelbError(
      'OE_KUBECONFIG',
      'no Kubernetes credentials: pass --kubeconfig (or KUBECONFIG), or run inside a cluster',
    );
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new OpenelbError('OE_KUBECONFIG', `kubeconfig${path ? ` ${path}` : ''} has no current cluster`, {
      context: { path },
    });
  return kc;
}
