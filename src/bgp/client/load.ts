import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { environment } from '../../config.ts';
import { OpenelbError } from '../../core/errors.ts';

// Loads our hand-written proto/ subset of gobgp's API. attribute.proto and capability.proto must
// be in the same load: the Any wrapper looks the `@type` up in the loaded root and silently
// encodes an empty Any when it is missing.
export const PROTO_FILES = ['gobgp.proto', 'attribute.proto', 'capability.proto'] as const;

function findProtoDir(): string {
  const fromEnv = environment.protoDir();
  if (fromEnv) return resolve(fromEnv);
  const here = dirname(fileURLToPath(import.meta.url));
  // src/bgp/client → repo root; dist/src/bgp/client → one level more
  for (const up of ['../../..', '../../../..']) {
    const dir = resolve(here, up, 'proto');
    if (existsSync(join(dir, 'gobgp.proto'))) return dir;
  }
  throw new OpenelbError('OE_GOBGP_PROTO', `gobgp protos not found above ${here} (set OPENELB_PROTO_DIR)`, {
    context: { dir: here },
  });
}

export const PROTO_DIR = findProtoDir();

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  json: true,
  includeDirs: [PROTO_DIR],
};

type ServiceCtor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => grpc.Client;

let cached: ServiceCtor | undefined;

export function gobgpServiceCtor(): ServiceCtor {
  if (cached) return cached;
  const def = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def);
  const apipb = pkg.apipb as grpc.GrpcObject | undefined;
  const ctor = apipb?.GobgpApi;
  if (typeof ctor !== 'function')
    throw new OpenelbError('OE_GOBGP_PROTO', `apipb.GobgpApi missing from ${PROTO_DIR}`, {
      context: { dir: PROTO_DIR },
    });
  cached = ctor as unknown as ServiceCtor;
  return cached;
}
