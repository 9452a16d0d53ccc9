// Request bodies: JSON or YAML; protobuf/CBOR are refused the way a JSON-only resource refuses them.
import yaml from 'js-yaml';
import { parseJson } from './http.ts';
import { decodeProtobufObject } from './protobuf.ts';
import { ApiError, badRequest } from './status.ts';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

export function parseBody(contentType: string, text: string, bytes?: Buffer): unknown {
  const ct = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (ct === PROTOBUF && bytes) {
    let obj: unknown;
    try {
      obj = decodeProtobufObject(bytes);
    } catch (e) {
      throw badRequest(`failed to decode protobuf body: ${(e as Error).message}`);
    }
    if (obj !== undefined) return obj;
  }
  if (ct === 'application/yaml') {
    try {
      return yaml.load(text);
    } catch (e) {
      throw badRequest(`couldn't get version/kind; yaml parse error: ${(e as Error).message}`);
    }
  }
  if (ct === '' || ct === 'application/json' || ct === '*/*') return parseJson(text);
  // protobuf for a kind protobuf.ts does not know: what a real server answers for custom resources
  throw new ApiError(
    415,
    'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
    'UnsupportedMediaType',
  );
}
