// Command line and environment → the manager's configuration, and the few settings other modules take
// from the environment. This file and obs/log.ts are the only readers of process.env; everything
// else gets its values passed in. The flag table lives in config/flags.ts.
import { parseWith } from './config/parse.ts';
import type { ParseResult } from './config/types.ts';

export { FLAGS } from './config/flags.ts';
export { helpText } from './config/help.ts';
export type { FlagDef, HostPort, ManagerConfig, ParseResult } from './config/types.ts';
export { ConfigError, parseDuration, parseHostPort } from './config/values.ts';

export function parseConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ParseResult {
  return parseWith(argv, env);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/**
 * What the environment tells modules that work before, or without, a parsed configuration (the gRPC
 * protos and the AF_PACKET addon are loaded when their modules are imported; tests and tools use them
 * with no flags at all). Read here so that the environment has one reader.
 */
export const environment = {
  /** OPENELB_PROTO_DIR: the directory holding gobgp's .proto files, instead of the one above the code. */
  protoDir: (): string | undefined => nonEmpty(process.env.OPENELB_PROTO_DIR),
  /** GOBGPD_VERSION: the sidecar's version, set by the chart from the sidecar image. */
  gobgpdVersion: (): string | undefined => nonEmpty(process.env.GOBGPD_VERSION),
  /** OPENELB_AFPACKET_ADDON: path of a built afpacket.node to load before the bundled one. */
  afpacketAddon: (): string | undefined => nonEmpty(process.env.OPENELB_AFPACKET_ADDON),
  /** KUBERNETES_SERVICE_HOST: set by the kubelet in every pod; its absence means not in a cluster. */
  inCluster: (): boolean => nonEmpty(process.env.KUBERNETES_SERVICE_HOST) !== undefined,
  /** KUBECONFIG: kubeconfig file(s) for the kubectl plugin, as kubectl reads them. */
  kubeconfig: (): string | undefined => nonEmpty(process.env.KUBECONFIG),
  /** NO_COLOR (no-color.org): any non-empty value turns the kubectl plugin's colours off. */
  noColor: (): boolean => nonEmpty(process.env.NO_COLOR) !== undefined,
} as const;
