// Discovery, OpenAPI v3, Table output, CRDs applied at run time, multiple versions, the CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { startKubeDouble, type KubeDouble } from './double.ts';
import { arr, at, EIPS, eip, FIXTURE_CRDS, raw } from './fixtures/helpers.ts';
import { kubectlRunner } from './fixtures/kubectl-run.ts';

const TABLE = {
  Accept:
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
};

describe('kube double: discovery, openapi, tables', () => {
  let d: KubeDouble;
  before(async () => {
    d = await startKubeDouble({ crdDirs: [FIXTURE_CRDS] });
  });
  after(() => d.close());

  it('serves /api, /api/v1, /apis, /apis/G, /apis/G/V', async () => {
    assert.deepEqual((await raw(d.url, 'GET', '/api')).body.versions, ['v1']);
    const v1 = await raw(d.url, 'GET', '/api/v1');
    const svc = (v1.body.resources as Record<string, unknown>[]).find((r) => r.name === 'services');
    assert.deepEqual(svc, {
      name: 'services',
      singularName: 'service',
      namespaced: true,
      kind: 'Service',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['svc'],
      categories: ['all'],
      storageVersionHash: '0/CO1lhkEBI=',
    });
    assert.ok((v1.body.resources as Record<string, unknown>[]).some((r) => r.name === 'services/status'));
    const groups = arr((await raw(d.url, 'GET', '/apis')).body, 'groups');
    const net = groups.find((g) => g.name === 'network.kubesphere.io');
    assert.equal(at(net, 'preferredVersion.version'), 'v1alpha2');
    assert.deepEqual(
      arr(net, 'versions').map((v) => v.version),
      ['v1alpha2', 'v1alpha1'],
    );
    const gv = await raw(d.url, 'GET', '/apis/network.kubesphere.io/v1alpha2');
    const e = (gv.body.resources as Record<string, unknown>[]).find((r) => r.name === 'eips');
    assert.equal(e?.namespaced, false);
    assert.deepEqual(e?.categories, ['openelb']);
    assert.equal((await raw(d.url, 'GET', '/apis/nope.example.com/v1')).status, 404);
  });

  it('kubectl 1.32 discovers through aggregated discovery: /api and /apis, no per-group documents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-double-agg-'));
    const k = kubectlRunner(() => ({ kubeconfig: d.kubeconfigPath, dir }));
    const r = await k.kubectl('get', 'eips', '-v=6');
    assert.equal(r.code, 0, r.stderr);
    const gets = [...r.stderr.matchAll(/GET http:\/\/[^/]+(\/[^?\s]*)/g)].map((m) => m[1]);
    assert.deepEqual(gets, ['/api', '/apis', '/apis/network.kubesphere.io/v1alpha2/eips']);
    const res = await k.kubectl('api-resources', '--api-group=network.kubesphere.io', '-o', 'name');
    assert.deepEqual(res.stdout.trim().split('\n'), ['eips.network.kubesphere.io']);
  });

  it('publishes /openapi/v3 with the CRD schema and the fieldValidation parameter', async () => {
    const root = await raw(d.url, 'GET', '/openapi/v3');
    const entry = (root.body.paths as Record<string, { serverRelativeURL: string }>)[
      'apis/network.kubesphere.io/v1alpha2'
    ];
    assert.ok(entry);
    const doc = await raw(d.url, 'GET', entry.serverRelativeURL);
    const schema = (at(doc.body, 'components.schemas') as Record<string, unknown>)[
      'io.kubesphere.network.v1alpha2.Eip'
    ];
    assert.deepEqual(at(schema, 'x-kubernetes-group-version-kind'), [
      { group: 'network.kubesphere.io', version: 'v1alpha2', kind: 'Eip' },
    ]);
    assert.equal(at(schema, 'properties.spec.properties.address.type'), 'string');
    const patchOp = (doc.body.paths as Record<string, unknown>)[
      '/apis/network.kubesphere.io/v1alpha2/eips/{name}'
    ];
    assert.ok(arr(patchOp, 'patch.parameters').some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  });

  it('renders Tables with printer columns, built-in columns, and includeObject', async () => {
    await raw(d.url, 'POST', EIPS, eip('t1', '10.0.0.1-10.0.0.4'));
    const t = await raw(d.url, 'GET', EIPS, undefined, TABLE);
    assert.equal(t.body.kind, 'Table');
    assert.equal(t.body.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(
      (t.body.columnDefinitions as Record<string, unknown>[]).map((c) => c.name),
      ['Name', 'cidr', 'usage', 'total'],
    );
    const row = arr(t.body, 'rows')[0];
    assert.deepEqual(row?.cells, ['t1', '10.0.0.1-10.0.0.4', null, null]);
    assert.equal(at(row, 'object.kind'), 'PartialObjectMetadata');
    const full = await raw(d.url, 'GET', `${EIPS}?includeObject=Object`, undefined, TABLE);
    assert.equal(at(full.body, 'rows[0].object.kind'), 'Eip');
    const ns = await raw(d.url, 'GET', '/api/v1/namespaces', undefined, TABLE);
    assert.deepEqual(
      (ns.body.columnDefinitions as Record<string, unknown>[]).map((c) => c.name),
      ['Name', 'Status', 'Age'],
    );
    const cm = await raw(d.url, 'GET', '/api/v1/configmaps', undefined, TABLE);
    assert.deepEqual(
      (cm.body.columnDefinitions as Record<string, unknown>[]).map((c) => c.name),
      ['Name', 'Age'],
    );
  });

  it('serves a CRD created at run time, and stops serving it when deleted', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.test.example.com' },
      spec: {
        group: 'test.example.com',
        scope: 'Namespaced',
        names: { kind: 'Gadget', plural: 'gadgets', shortNames: ['gd'] },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            },
          },
          {
            name: 'v1beta1',
            served: true,
            storage: false,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            },
          },
        ],
      },
    };
    const c = await raw(d.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    assert.equal(c.status, 201);
    const conds = ((c.body.status as Record<string, unknown>).conditions as Record<string, unknown>[]).map(
      (x) => `${String(x.type)}=${String(x.status)}`,
    );
    assert.ok(conds.includes('Established=True'));
    const G = '/apis/test.example.com/v1/namespaces/default/gadgets';
    assert.equal(
      (
        await raw(d.url, 'POST', G, {
          apiVersion: 'test.example.com/v1',
          kind: 'Gadget',
          metadata: { name: 'g' },
          spec: { any: { thing: 1 } },
        })
      ).status,
      201,
    );
    const old = await raw(d.url, 'GET', '/apis/test.example.com/v1beta1/namespaces/default/gadgets/g');
    assert.equal(old.body.apiVersion, 'test.example.com/v1beta1');
    assert.deepEqual(old.body.spec, { any: { thing: 1 } });
    const all = await raw(d.url, 'GET', '/apis/test.example.com/v1/gadgets');
    assert.equal((all.body.items as unknown[]).length, 1);
    await raw(
      d.url,
      'DELETE',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.test.example.com',
    );
    assert.equal((await raw(d.url, 'GET', G)).status, 404);
  });

  it('the CLI prints its ready line, writes a kubeconfig client-node accepts, and exits on SIGTERM', async () => {
    const kc = join(mkdtempSync(join(tmpdir(), 'kube-double-cli-')), 'kubeconfig');
    const child = spawn(
      process.execPath,
      [resolve(import.meta.dirname, 'cli.ts'), '--port', '0', '--kubeconfig', kc, '--crds', FIXTURE_CRDS],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((res, rej) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) res(buf.split('\n')[0] ?? '');
      });
      child.on('exit', () => rej(new Error('cli exited early')));
    });
    assert.match(line, /^kube-double ready http:\/\/127\.0\.0\.1:\d+ kubeconfig=/);
    assert.match(readFileSync(kc, 'utf8'), /insecure-skip-tls-verify: true/);
    const config = new KubeConfig();
    config.loadFromFile(kc);
    const nss = await config.makeApiClient(CoreV1Api).listNamespace();
    assert.ok(nss.items.some((n) => n.metadata?.name === 'default'));
    const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  });
});
