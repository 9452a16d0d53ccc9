// Certificate planning with an injected clock: creation, steady state, serving-cert renewal at a
// third of its life, CA rotation keeping the old CA in the bundle until it expires, repair.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { planCertificates, type CertPolicy } from '../../../src/webhook/certs.ts';
import { splitBundle } from '../../../src/webhook/pki.ts';

const DAY = 24 * 60 * 60 * 1000;
const NAMES = ['openelb-webhook.openelb-system.svc', 'openelb-webhook.openelb-system.svc.cluster.local'];
const policy: CertPolicy = { dnsNames: NAMES, caValidityMs: 300 * DAY, certValidityMs: 90 * DAY };
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (days: number): Date => new Date(t0.getTime() + days * DAY);

describe('planCertificates', () => {
  it('creates a CA and a serving certificate for the service names', async () => {
    const p = await planCertificates(undefined, t0, policy);
    assert.equal(p.action, 'create');
    const ca = new X509Certificate(p.material.caCert);
    const cert = new X509Certificate(p.material.cert);
    assert.ok(ca.ca);
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey));
    for (const n of NAMES) assert.equal(cert.checkHost(n), n);
    assert.ok(
      cert.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(p.material.key))),
    );
    assert.equal(new Date(cert.validTo).getTime(), at(90).getTime());
    assert.deepEqual(splitBundle(p.material.caBundle), [p.material.caCert]);
  });

  it('keeps valid material untouched', async () => {
    const p = await planCertificates(undefined, t0, policy);
    const again = await planCertificates(p.material, at(30), policy);
    assert.equal(again.action, 'keep');
    assert.deepEqual(again.material, p.material);
  });

  it('re-issues the serving certificate with less than a third of its life left, same CA and bundle', async () => {
    const p = await planCertificates(undefined, t0, policy);
    // 90-day cert backdated 1h: a third is ~30 days; at day 61 less than that is left.
    const r = await planCertificates(p.material, at(61), policy);
    assert.equal(r.action, 'issue-cert');
    assert.equal(r.material.caCert, p.material.caCert);
    assert.equal(r.material.caBundle, p.material.caBundle);
    assert.notEqual(r.material.cert, p.material.cert);
    assert.equal(new Date(new X509Certificate(r.material.cert).validTo).getTime(), at(61 + 90).getTime());
  });

  it('rotates the CA near its end, keeping the old CA in the bundle until it expires', async () => {
    const p = await planCertificates(undefined, t0, policy);
    const r = await planCertificates(p.material, at(201), { ...policy, certValidityMs: 150 * DAY });
    assert.equal(r.action, 'rotate-ca');
    assert.notEqual(r.material.caCert, p.material.caCert);
    const bundle = splitBundle(r.material.caBundle);
    assert.deepEqual(bundle, [r.material.caCert, p.material.caCert]);
    const cert = new X509Certificate(r.material.cert);
    assert.ok(cert.checkIssued(new X509Certificate(r.material.caCert)));
    // Once the old CA has expired (day 300) it leaves the bundle; the serving cert stays.
    const later = await planCertificates(r.material, at(300.5), { ...policy, certValidityMs: 150 * DAY });
    assert.equal(later.action, 'rewrite-bundle');
    assert.deepEqual(splitBundle(later.material.caBundle), [r.material.caCert]);
  });

  it('repairs a mismatched key, a certificate from another CA, or missing names', async () => {
    const p = await planCertificates(undefined, t0, policy);
    const other = await planCertificates(undefined, t0, policy);
    const badKey = await planCertificates({ ...p.material, key: other.material.key }, t0, policy);
    assert.equal(badKey.action, 'issue-cert');
    const foreign = await planCertificates(
      { ...p.material, cert: other.material.cert, key: other.material.key },
      t0,
      policy,
    );
    assert.equal(foreign.action, 'issue-cert');
    const renamed = await planCertificates(p.material, t0, { ...policy, dnsNames: ['other.ns.svc'] });
    assert.equal(renamed.action, 'issue-cert');
    assert.equal(new X509Certificate(renamed.material.cert).checkHost('other.ns.svc'), 'other.ns.svc');
    const garbageCa = await planCertificates({ ...p.material, caCert: 'garbage' }, t0, policy);
    assert.equal(garbageCa.action, 'rotate-ca');
  });
});
