import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webhookService, webhookServiceOf } from './manifest.ts';

// The lab reads the webhook Service from the rendered install manifest instead of restating it.

describe('the install manifest as the lab reads it', () => {
  it('deploy/openelb.yaml: every webhook calls openelb-system/openelb-webhook:443, port "https", targeting the "webhook" container port', () => {
    assert.deepEqual(webhookService(), {
      namespace: 'openelb-system',
      name: 'openelb-webhook',
      port: 443,
      portName: 'https',
      targetPort: 'webhook',
      publishNotReadyAddresses: true,
    });
  });

  it('names what does not add up', () => {
    const hook = (name: string): string => `
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: h-${name}}
webhooks:
  - name: ${name}.example
    clientConfig: {service: {namespace: ns, name: ${name}, port: 443}}
`;
    assert.throws(
      () => webhookServiceOf('kind: Namespace\n'),
      /expected every webhook to call one Service, found none/,
    );
    assert.throws(() => webhookServiceOf(`${hook('a')}---${hook('b')}`), /found ns\/a:443, ns\/b:443/);
    assert.throws(() => webhookServiceOf(hook('a')), /call Service ns\/a, which it does not define/);
    const svc =
      'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: ns}\nspec: {ports: [{name: web, port: 8443}]}\n';
    assert.throws(() => webhookServiceOf(`${hook('a')}---\n${svc}`), /Service ns\/a has no port 443/);
  });
});
