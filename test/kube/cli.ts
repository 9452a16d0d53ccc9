// `npm run kube-double -- --port <p> --kubeconfig <file> [--host H] [--crds DIR]... [--no-crds]
//   [--service ns/name[:port]=host:port]...` (where the double calls a webhook Service)
import { parseArgs } from 'node:util';
import { startKubeDouble, type StartOptions } from './double.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    kubeconfig: { type: 'string' },
    crds: { type: 'string', multiple: true },
    'no-crds': { type: 'boolean', default: false },
    service: { type: 'string', multiple: true },
  },
  strict: true,
});

const opts: StartOptions = { host: values.host, port: Number(values.port) };
if (values.kubeconfig) opts.kubeconfigPath = values.kubeconfig;
if (values.crds) opts.crdDirs = values.crds;
if (values['no-crds']) opts.crdDirs = [];
if (values.service) {
  opts.serviceHosts = {};
  for (const m of values.service) {
    const eq = m.indexOf('=');
    if (eq <= 0) throw new Error(`--service ${m}: expected ns/name[:port]=host:port`);
    opts.serviceHosts[m.slice(0, eq)] = m.slice(eq + 1);
  }
}

const double = await startKubeDouble(opts);
process.stdout.write(`kube-double ready ${double.url} kubeconfig=${double.kubeconfigPath}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void double.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
