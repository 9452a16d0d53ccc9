const repo = process.argv[2];
const { startKubeDouble } = await import(`${repo}/test/kube/double.ts`);
const d = await startKubeDouble({});
const N = 400;
const svc = (i: number) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, labels: { app: 'x' } }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
const eip = (i: number) => ({ apiVersion: 'network.kubesphere.io/v1alpha2', kind: 'Eip', metadata: { name: `e${i}` }, spec: { address: `10.${i % 250}.0.0/24` } });
async function req(method: string, path: string, body?: unknown) {
  const r = await fetch(d.url + path, { method, headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path} ${r.status}`);
}
// warm-up (first-use schema/validator loading is once per process)
await req('POST', '/api/v1/namespaces/default/services', svc(100000));
await req('POST', '/apis/network.kubesphere.io/v1alpha2/eips', eip(100000));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = cpu();
for (let i = 0; i < N; i++) await req('POST', '/api/v1/namespaces/default/services', svc(i));
const t1 = cpu();
for (let i = 0; i < N; i++) await req('GET', `/api/v1/namespaces/default/services/s${i}`);
const t2 = cpu();
for (let i = 0; i < N; i++) await req('PATCH', `/api/v1/namespaces/default/services/s${i}/status`, { status: { loadBalancer: { ingress: [{ ip: `192.168.${Math.floor(i / 250)}.${i % 250}` }] } } }.status ? { status: { loadBalancer: { ingress: [{ ip: `192.168.${Math.floor(i / 250)}.${i % 250}` }] } } } : {});
const t3 = cpu();
for (let i = 0; i < N; i++) await req('POST', '/apis/network.kubesphere.io/v1alpha2/eips', eip(i));
const t4 = cpu();
console.log(JSON.stringify({ svcCreateUs: Math.round((t1 - t0) * 1000 / N), svcGetUs: Math.round((t2 - t1) * 1000 / N), svcStatusPatchUs: Math.round((t3 - t2) * 1000 / N), eipCreateUs: Math.round((t4 - t3) * 1000 / N) }));
await d.close();
