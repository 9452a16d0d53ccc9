// admission.k8s.io/v1 AdmissionReview in, AdmissionReview out. Denials carry HTTP-style code 422
// (reason Invalid) with every offending field in the message and in details.causes, the way the API
// server reports its own validation errors; warnings go into response.warnings (kubectl prints them).
import { API_VERSION_V1ALPHA2, GROUP } from '../api/names.ts';
import { ConversionError, convertObject } from '../api/convert.ts';
import { formatIssue, isRecord, type FieldIssue, type ValidationResult } from '../api/rules/issues.ts';
import { OpenelbError } from '../core/errors.ts';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  name: string;
  operation: string;
  object: Record<string, unknown> | undefined;
  oldObject: Record<string, unknown> | undefined;
}

export interface AdmissionStatus {
  code: number;
  reason?: string;
  message: string;
  details?: {
    name: string;
    group: string;
    kind: string;
    causes: Array<{ reason: string; field: string; message: string }>;
  };
}

export interface AdmissionReviewResponse {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: { uid: string; allowed: boolean; status?: AdmissionStatus; warnings?: string[] };
}

export class BadReviewError extends OpenelbError {
  constructor(message: string) {
    super('OE_BAD_REVIEW', message);
    this.name = 'BadReviewError';
  }
}

/** Reads the parts of an AdmissionReview we use; throws BadReviewError when it is not one (HTTP 400). */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isRecord(body) || body['kind'] !== 'AdmissionReview')
    throw new BadReviewError('body is not an AdmissionReview');
  if (body['apiVersion'] !== 'admission.k8s.io/v1')
    throw new BadReviewError(
      `AdmissionReview ${String(body['apiVersion'])} is not supported; use admission.k8s.io/v1`,
    );
  const r = body['request'];
  if (!isRecord(r) || typeof r['uid'] !== 'string' || r['uid'] === '')
    throw new BadReviewError('AdmissionReview has no request.uid');
  const k = isRecord(r['kind']) ? r['kind'] : {};
  const obj = (v: unknown): Record<string, unknown> | undefined => (isRecord(v) ? v : undefined);
  const object = obj(r['object']);
  const meta = obj(object?.['metadata']);
  return {
    uid: r['uid'],
    kind: {
      group: String(k['group'] ?? ''),
      version: String(k['version'] ?? ''),
      kind: String(k['kind'] ?? ''),
    },
    name: typeof r['name'] === 'string' && r['name'] !== '' ? r['name'] : String(meta?.['name'] ?? ''),
    operation: String(r['operation'] ?? ''),
    object,
    oldObject: obj(r['oldObject']),
  };
}

/**
 * The validators speak v1alpha2. A v1alpha1 object (a configuration without matchPolicy
 * Equivalent) is converted first; field names in messages are then v1alpha2's.
 */
export function asV1alpha2(o: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!o || o['apiVersion'] === API_VERSION_V1ALPHA2 || o['apiVersion'] === undefined) return o;
  return convertObject(o, API_VERSION_V1ALPHA2);
}

function review(
  uid: string,
  allowed: boolean,
  extra: { status?: AdmissionStatus; warnings?: string[] } = {},
): AdmissionReviewResponse {
  const response: AdmissionReviewResponse['response'] = { uid, allowed };
  if (extra.status) response.status = extra.status;
  if (extra.warnings && extra.warnings.length > 0) response.warnings = extra.warnings;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

function cause(i: FieldIssue): { reason: string; field: string; message: string } {
  return { reason: 'FieldValueInvalid', field: i.field, message: i.message };
}

export function admissionResponse(req: AdmissionRequest, result: ValidationResult): AdmissionReviewResponse {
  const warnings = result.warnings.map(formatIssue);
  if (result.errors.length === 0) return review(req.uid, true, { warnings });
  const status: AdmissionStatus = {
    code: 422,
    reason: 'Invalid',
    message: `${req.kind.kind} ${JSON.stringify(req.name)} is invalid: ${result.errors.map(formatIssue).join('; ')}`,
    details: {
      name: req.name,
      group: req.kind.group || GROUP,
      kind: req.kind.kind,
      causes: result.errors.map(cause),
    },
  };
  return review(req.uid, false, { status, warnings });
}

/** A denial for something other than field validation (unreadable object, lookup failure). */
export function admissionError(uid: string, code: number, message: string): AdmissionReviewResponse {
  return review(uid, false, {
    status: { code, reason: code >= 500 ? 'InternalError' : 'BadRequest', message },
  });
}

export { ConversionError };
