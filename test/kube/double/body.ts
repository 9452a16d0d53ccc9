// Request bodies: JSON or YAML; protobuf/CBOR are refused the way a JSON-only resource refuses them.
import yaml from 'js-yaml';
import { parseJson } from './http.ts';
import { ApiError, badRequest } from './status.ts';

export function parseBody(contentType: string, text: string): unknown {
  const ct = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (ct === 'application/yaml') {
    try {
      return yaml.load(text);
    } catch (e) {
      throw badRequest(`couldn't get version/kind; yaml parse error: ${(e as Error).message}`);
    }
  }
  if (ct === '' || ct === 'application/json' || ct === '*/*') return parseJson(text);
  // kubectl's generator commands (create configmap/secret/namespace…) send protobuf; the double
  // speaks JSON only, so they get the answer a real server gives for custom resources.
  throw new ApiError(415, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml', 'UnsupportedMediaType');
}
