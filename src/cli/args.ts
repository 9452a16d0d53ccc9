// The plugin's command line as kubectl hands it over: kubectl runs `kubectl-openelb` with every argument
// after "openelb", so the usual kubectl flags arrive here and are read the way kubectl reads them.
// Pure.
import { err, ok, type Result } from '../core/result.ts';

export type Command = 'pools' | 'status' | 'help' | 'version';
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

export interface CliArgs {
  command: Command;
  /** status: one Service by name. */
  service?: string;
  namespace?: string;
  allNamespaces: boolean;
  output: OutputFormat;
  context?: string;
  kubeconfig?: string;
}

const VALUE_FLAGS: Readonly<Record<string, keyof CliArgs>> = {
  '-n': 'namespace',
  '--namespace': 'namespace',
  '-o': 'output',
  '--output': 'output',
  '--context': 'context',
  '--kubeconfig': 'kubeconfig',
};

export const USAGE = `kubectl openelb: what openelb-ts is doing, read from the cluster (read-only).

Usage:
  kubectl openelb pools [-o json|yaml|wide]
  kubectl openelb status [SERVICE] [-n NAMESPACE | -A] [-o json|yaml|wide]

Commands:
  pools    every Eip: protocol, address, size, used, free, the next address handed out, state
  status   every LoadBalancer Service: pool, IPs, mode; for BGP each replica x BgpPeer with the
           session state and whether the path is advertised ("?" until a replica publishes it);
           for Layer 2 the owner replica, its MACs and how long ago its Lease was renewed

Flags:
  -n, --namespace NAME     namespace (default: the context's, else "default")
  -A, --all-namespaces     every namespace
  -o, --output FORMAT      json, yaml or wide (default: a table)
      --context NAME       kubeconfig context (default: the current one)
      --kubeconfig PATH    kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
  -h, --help               this text
      --version            the plugin's version

Colours only on a terminal, never when NO_COLOR is set.
`;

function setOutput(a: CliArgs, v: string): string | undefined {
  if (v === 'json' || v === 'yaml' || v === 'wide') a.output = v;
  else return `-o ${JSON.stringify(v)}: the output format must be json, yaml or wide`;
  return undefined;
}

export function parseArgs(argv: readonly string[]): Result<CliArgs, string> {
  const a: CliArgs = { command: 'help', allNamespaces: false, output: 'table' };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') return ok({ ...a, command: 'help' });
    if (arg === '--version') return ok({ ...a, command: 'version' });
    if (arg === '-A' || arg === '--all-namespaces' || arg === '--all-namespaces=true') {
      a.allNamespaces = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : /^-[no]./.test(arg) ? arg.slice(0, 2) : arg;
    const field = VALUE_FLAGS[flag];
    if (field !== undefined) {
      let value: string | undefined;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (flag !== arg) value = arg.slice(2).replace(/^=/, '');
      else value = argv[++i];
      if (value === undefined || value === '') return err(`flag ${flag} needs a value`);
      if (field === 'output') {
        const bad = setOutput(a, value);
        if (bad) return err(bad);
      } else a[field as 'namespace' | 'context' | 'kubeconfig'] = value;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') return err(`unknown flag ${arg} (see kubectl openelb --help)`);
    positional.push(arg);
  }
  const [command, ...rest] = positional;
  if (command === undefined) return ok(a);
  if (command !== 'pools' && command !== 'status')
    return err(`unknown command ${JSON.stringify(command)}: use "pools" or "status" (see --help)`);
  a.command = command;
  if (command === 'pools' && rest.length > 0)
    return err(`pools takes no arguments (got ${rest.join(' ')}): Eips are cluster-wide`);
  if (rest.length > 1) return err(`status takes at most one Service name (got ${rest.join(' ')})`);
  if (rest[0] !== undefined) {
    if (a.allNamespaces) return err('a Service name cannot be combined with -A: name its namespace with -n');
    a.service = rest[0];
  }
  return ok(a);
}
