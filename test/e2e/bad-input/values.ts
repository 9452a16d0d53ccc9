// Generators of invalid values for the bad-input property test. Each one only ever yields values that
// are wrong by construction (checked here with node:net where random text could form an address),
// never by asking the product's own validators.
import { isIP } from 'node:net';
import fc from 'fast-check';

/** Characters a shell, YAML or a careless string builder would trip on. */
const SHELL = [
  '$',
  '(',
  ')',
  '`',
  ';',
  '&',
  '|',
  '<',
  '>',
  "'",
  '"',
  '\\',
  '*',
  '?',
  '!',
  '{',
  '}',
  ' ',
  '\t',
  '#',
  '~',
  '%',
  '/',
  ':',
  '.',
  '-',
  '0',
  '1',
  'a',
  'Z',
];

/** Text with shell metacharacters, never an IP address. */
export const garbage: fc.Arbitrary<string> = fc
  .string({ unit: fc.constantFrom(...SHELL), minLength: 1, maxLength: 24 })
  .filter((s) => isIP(s.trim()) === 0 && !/^[0-9a-f:.]+$/i.test(s.trim()) && s.trim() !== '');

const octet = fc.nat(255);
const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const hex16 = fc.nat(0xffff).map((n) => n.toString(16));

/** Where ONE IP address is wanted: prefixes, zone indexes, out-of-range octets, garbage. */
export const malformedIp: fc.Arbitrary<string> = fc
  .oneof(
    fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`), // a prefix where an address is wanted
    fc.tuple(v4, fc.integer({ min: 33, max: 99 })).map(([a, p]) => `${a}/${p}`),
    fc.tuple(hex16, fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/)).map(([h, z]) => `fe80::${h}%${z}`), // zone index
    fc.tuple(octet, octet, fc.integer({ min: 256, max: 999 })).map(([a, b, c]) => `${a}.${b}.${c}.1`),
    fc.tuple(octet, octet, octet).map((o) => o.join('.')), // three octets
    fc.tuple(v4, octet).map(([a, b]) => `${a}.${b}`), // five octets
    fc.tuple(hex16, hex16).map(([a, b]) => `2001:db8:::${a}:${b}`),
    fc.constantFrom(
      '0.0.0.0/0',
      '::/0',
      '1.2.3.4 ',
      ' 10.0.0.1',
      '10.0.0.1-10.0.0.2',
      'localhost',
      '$(reboot)',
      '`id`',
      '; rm -rf /',
    ),
    garbage,
  )
  .filter((s) => isIP(s) === 0);

/** Where a pool (an IP, a CIDR or a range "first-last") is wanted, and the text is not one. */
export const malformedPool: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(v4, fc.integer({ min: 33, max: 99 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(hex16, fc.integer({ min: 129, max: 999 })).map(([h, p]) => `2001:db8::${h}/${p}`),
  fc
    .tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 }))
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => `203.0.113.${Math.max(a, b)}-203.0.113.${Math.min(a, b)}`), // reversed range
  fc.tuple(octet, hex16).map(([a, h]) => `203.0.113.${a}-2001:db8::${h}`), // mixed families
  fc.tuple(hex16, fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/)).map(([h, z]) => `fe80::${h}%${z}`),
  fc.tuple(octet, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `203.0.113.${a}/${p}-203.0.113.255`),
  garbage,
);

/** Syntactically fine pools in space no load-balancer address can live in (RFC special-purpose blocks). */
export const specialPool: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0.0.0.0/0', '0.0.0.0/8', '127.0.0.1', '::1', '::/0', '255.255.255.255'),
  fc.tuple(octet, octet).map(([a, b]) => `127.${a}.${b}.0/24`),
  octet.map((a) => `169.254.${a}.0/24`),
  fc.integer({ min: 224, max: 255 }).map((a) => `${a}.0.0.0/16`),
  hex16.map((h) => `fe80::${h}/128`),
  fc.integer({ min: 0, max: 15 }).map((d) => `ff0${d.toString(16)}::/16`),
);

/** Strings that are not DNS labels (namespace names): upper case, underscores, too long, edge dashes. */
export const notDnsLabel: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z]{1,8}[A-Z_][a-z]{0,8}$/),
  fc.stringMatching(/^-[a-z]{1,8}$/),
  fc.stringMatching(/^[a-z]{1,8}-$/),
  fc.integer({ min: 64, max: 80 }).map((n) => 'a'.repeat(n)),
  garbage,
);

/** Not a label value (the node label a rack name must match), and not empty. */
export const notLabelValue: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z]{1,8} [a-z]{1,8}$/),
  fc.stringMatching(/^[a-z]{1,8}[!@#$%^&*]$/),
  fc.stringMatching(/^_[a-z]{1,8}$/),
  fc.integer({ min: 64, max: 80 }).map((n) => 'r'.repeat(n)),
);

/** An interface name no layer2 pool can use. */
export const badInterface: fc.Arbitrary<string> = fc.oneof(
  fc.constant('lo'),
  fc.stringMatching(/^[a-z]{1,6} [a-z0-9]{1,6}$/),
  fc.stringMatching(/^[a-z]{1,6}\/[a-z0-9]{1,6}$/),
  fc.stringMatching(/^eth[0-9]:[0-9]$/),
  fc.integer({ min: 16, max: 30 }).map((n) => 'e'.repeat(n)),
  fc.constantFrom('.', '..'),
  malformedIp.map((ip) => `can_reach:${ip}`),
);

/** Values of the wrong JSON type for a field whose schema says `want`. */
export function typeWrong(
  want: 'integer' | 'string' | 'boolean' | 'array' | 'object',
): fc.Arbitrary<unknown> {
  const all: Record<typeof want, fc.Arbitrary<unknown>> = {
    integer: fc.oneof(
      fc.stringMatching(/^[a-z]{1,6}$/),
      fc.double({ min: 0.1, max: 1e6, noNaN: true }).filter((d) => !Number.isInteger(d)),
      fc.boolean(),
    ),
    string: fc.oneof(fc.integer(), fc.boolean(), fc.constant({ nested: 1 })),
    boolean: fc.oneof(fc.constantFrom('yes', 'no', 'true', 'false'), fc.integer({ min: 0, max: 2 })),
    array: fc.oneof(fc.stringMatching(/^[a-z0-9.]{1,10}$/), fc.integer(), fc.constant({ a: 1 })),
    object: fc.oneof(fc.stringMatching(/^[a-z]{1,10}$/), fc.integer(), fc.constant([1, 2])),
  };
  return all[want];
}

/** Integers outside [min, max] (the schema's bounds, or the rule's). */
export function outOfRange(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: min - 1000, max: min - 1 }),
    fc.integer({ min: max + 1, max: Math.min(max + 100000, Number.MAX_SAFE_INTEGER) }),
  );
}
