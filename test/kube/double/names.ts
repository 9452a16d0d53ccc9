// metadata.name rules per kind, with the apiserver's messages.
import type { Cause } from './status.ts';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

export function validateName(kind: string, group: string, name: string): Cause[] {
  const bad = (msg: string): Cause[] => [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: ${msg}`,
    },
  ];
  if (group === 'rbac.authorization.k8s.io') {
    if (name === '.' || name === '..' || /[/%]/.test(name)) return bad(`may not contain '/' or '%'`);
    return [];
  }
  if (kind === 'Service')
    return DNS1035.test(name) && name.length <= 63
      ? []
      : bad(name.length > 63 ? 'must be no more than 63 characters' : DNS1035_MSG);
  if (kind === 'Namespace')
    return LABEL.test(name) && name.length <= 63
      ? []
      : bad(name.length > 63 ? 'must be no more than 63 characters' : LABEL_MSG);
  if (name.length > 253) return bad('must be no more than 253 characters');
  return SUBDOMAIN.test(name) ? [] : bad(SUBDOMAIN_MSG);
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function generateName(prefix: string): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return `${prefix.slice(0, 58)}${s}`;
}
