// The entry check the manager's caches run on every BgpConf and BgpPeer version (see
// InformerOptions.admit): the webhook's own rules for the object alone, errors only, no ratchet.
// A version that fails never reaches the controllers, so gobgpd only ever sees values these rules
// accepted, whether or not the webhook ran when the object was stored.
import { validateBgpConf } from './bgpconf.ts';
import { validateBgpPeer } from './bgppeer.ts';
import type { BgpConfLike, BgpPeerLike } from './objects.ts';
import { formatIssue, type ValidationResult } from './issues.ts';

function verdict(r: ValidationResult): string | undefined {
  return r.errors.length ? r.errors.map(formatIssue).join('; ') : undefined;
}

export function bgpConfEntryCheck(obj: BgpConfLike): string | undefined {
  return verdict(validateBgpConf(obj));
}

export function bgpPeerEntryCheck(obj: BgpPeerLike): string | undefined {
  return verdict(validateBgpPeer(obj));
}
