const { startKubeDouble } = await import(`${process.argv[2]}/test/kube/double.ts`);
const d = await startKubeDouble({});
const svc = (i: number) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, labels: { app: 'x' } }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
async function req(method: string, path: string, body?: unknown) {
  const r = await fetch(d.url + path, { method, headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json', accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path} ${r.status}`);
}
for (let i = 0; i < 20; i++) await req('POST', '/api/v1/namespaces/default/services', svc(i));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = cpu();
for (let i = 0; i < 3000; i++) await req('PATCH', `/api/v1/namespaces/default/services/s${i % 20}/status`, { status: { loadBalancer: { ingress: [{ ip: `192.168.${i % 250}.${Math.floor(i / 250)}` }] } } });
console.log('statusPatchUs', Math.round((cpu() - t0) * 1000 / 3000));
await d.close();
