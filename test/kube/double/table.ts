// meta.k8s.io/v1 Table rendering (what `kubectl get` asks for).
import { getPath, isObj, strMap, type Obj } from './json.ts';
import type { PrinterColumn, ResourceDef } from './resource.ts';

export interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

interface Printer {
  columns: Column[];
  cells(obj: Obj): unknown[];
}

const col = (name: string, type = 'string', format = '', priority = 0, description = ''): Column => ({
  name,
  type,
  format,
  description,
  priority,
});
const NAME = col('Name', 'string', 'name', 0, 'Name must be unique within a namespace.');
const AGE = col(
  'Age',
  'string',
  '',
  0,
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/** client-go's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    const years = Math.floor(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(obj: Obj): string {
  const ts = isObj(obj.metadata) ? obj.metadata.creationTimestamp : undefined;
  if (typeof ts !== 'string') return '<unknown>';
  return humanDuration(Date.now() - Date.parse(ts));
}

function name(obj: Obj): string {
  return isObj(obj.metadata) ? String(obj.metadata.name ?? '') : '';
}

function servicePorts(svc: Obj): string {
  const ports = isObj(svc.spec) && Array.isArray(svc.spec.ports) ? svc.spec.ports : [];
  if (ports.length === 0) return '<none>';
  return ports
    .filter(isObj)
    .map(
      (p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`,
    )
    .join(',');
}

function serviceExternal(svc: Obj): string {
  const spec = isObj(svc.spec) ? svc.spec : {};
  const external = Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [];
  if (spec.type === 'LoadBalancer') {
    const lb = isObj(svc.status) && isObj(svc.status.loadBalancer) ? svc.status.loadBalancer : {};
    const ingress = Array.isArray(lb.ingress)
      ? lb.ingress.filter(isObj).map((i) => String(i.ip ?? i.hostname ?? ''))
      : [];
    const all = [...ingress, ...external];
    return all.length > 0 ? all.join(',') : '<pending>';
  }
  if (spec.type === 'ExternalName') return String(spec.externalName ?? '<none>');
  return external.length > 0 ? external.join(',') : '<none>';
}

function selectorText(m: Record<string, string>): string {
  const keys = Object.keys(m).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${m[k] ?? ''}`).join(',');
}

function nodeStatus(node: Obj): string {
  const conds =
    isObj(node.status) && Array.isArray(node.status.conditions) ? node.status.conditions.filter(isObj) : [];
  const ready = conds.find((c) => c.type === 'Ready');
  let s = ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown';
  if (isObj(node.spec) && node.spec.unschedulable === true) s += ',SchedulingDisabled';
  return s;
}

function nodeRoles(node: Obj): string {
  const labels = strMap(isObj(node.metadata) ? node.metadata.labels : undefined);
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  return roles.length > 0 ? roles.sort().join(',') : '<none>';
}

function nodeAddress(node: Obj, type: string): string {
  const addrs =
    isObj(node.status) && Array.isArray(node.status.addresses) ? node.status.addresses.filter(isObj) : [];
  const a = addrs.find((x) => x.type === type);
  return typeof a?.address === 'string' ? a.address : '<none>';
}

/** At most three values, then " + N more..." (kubectl's listWithMoreString). */
function firstThree(list: string[]): string {
  if (list.length === 0) return '<unset>';
  const shown = list.slice(0, 3).join(',');
  return list.length > 3 ? `${shown} + ${list.length - 3} more...` : shown;
}

function since(ts: unknown): string {
  return typeof ts === 'string' && ts !== '' ? humanDuration(Date.now() - Date.parse(ts)) : '<unknown>';
}

/** core/v1 and events.k8s.io/v1 Events, all columns (the client hides the wide ones). */
function eventCells(o: Obj): unknown[] {
  const involved = isObj(o.involvedObject) ? o.involvedObject : isObj(o.regarding) ? o.regarding : {};
  const source = isObj(o.source) ? o.source : isObj(o.deprecatedSource) ? o.deprecatedSource : {};
  const first = o.firstTimestamp ?? o.deprecatedFirstTimestamp;
  const firstSeen = typeof first === 'string' && first !== '' ? since(first) : since(o.eventTime);
  const last = o.lastTimestamp ?? o.deprecatedLastTimestamp;
  const series = isObj(o.series) ? o.series : undefined;
  const lastSeen = series
    ? since(series.lastObservedTime)
    : typeof last === 'string' && last !== ''
      ? since(last)
      : firstSeen;
  const count = series ? Number(series.count ?? 1) : Number(o.count ?? o.deprecatedCount ?? 0) || 1;
  const kind = String(involved.kind ?? '').toLowerCase();
  const target =
    typeof involved.name === 'string' && involved.name !== '' ? `${kind}/${involved.name}` : kind;
  const component = String(source.component || o.reportingController || o.reportingComponent || '');
  const instance = String(source.host || o.reportingInstance || '');
  return [
    lastSeen,
    String(o.type ?? ''),
    String(o.reason ?? ''),
    target,
    String(involved.fieldPath ?? ''),
    instance ? `${component}, ${instance}` : component,
    String(o.message ?? o.note ?? '').trim(),
    firstSeen,
    count,
    name(o),
  ];
}

const BUILTIN: Record<string, Printer> = {
  Secret: {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (o) => [
      name(o),
      String(o.type ?? 'Opaque'),
      isObj(o.data) ? Object.keys(o.data).length : 0,
      age(o),
    ],
  },
  Service: {
    columns: [
      NAME,
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      AGE,
      col('Selector', 'string', '', 1),
    ],
    cells: (o) => {
      const spec = isObj(o.spec) ? o.spec : {};
      return [
        name(o),
        String(spec.type ?? 'ClusterIP'),
        String(spec.clusterIP ?? '<none>'),
        serviceExternal(o),
        servicePorts(o),
        age(o),
        selectorText(strMap(spec.selector)),
      ];
    },
  },
  Node: {
    columns: [
      NAME,
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 'string', '', 1),
      col('External-IP', 'string', '', 1),
      col('OS-Image', 'string', '', 1),
      col('Kernel-Version', 'string', '', 1),
      col('Container-Runtime', 'string', '', 1),
    ],
    cells: (o) => {
      const info = isObj(o.status) && isObj(o.status.nodeInfo) ? o.status.nodeInfo : {};
      const known = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '<unknown>');
      return [
        name(o),
        nodeStatus(o),
        nodeRoles(o),
        age(o),
        String(info.kubeletVersion ?? ''),
        nodeAddress(o, 'InternalIP'),
        nodeAddress(o, 'ExternalIP'),
        known(info.osImage),
        known(info.kernelVersion),
        known(info.containerRuntimeVersion),
      ];
    },
  },
  Event: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 'string', '', 1),
      col('Source', 'string', '', 1),
      col('Message'),
      col('First Seen', 'string', '', 1),
      col('Count', 'string', '', 1),
      col('Name', 'string', '', 1),
    ],
    cells: eventCells,
  },
  EndpointSlice: {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells: (o) => {
      const ports = (Array.isArray(o.ports) ? o.ports.filter(isObj) : []).map((p) =>
        typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*',
      );
      const addrs = (Array.isArray(o.endpoints) ? o.endpoints.filter(isObj) : []).flatMap((e) =>
        Array.isArray(e.addresses) ? e.addresses.map(String) : [],
      );
      return [name(o), String(o.addressType ?? ''), firstThree(ports), firstThree(addrs), age(o)];
    },
  },
  Pod: {
    columns: [
      NAME,
      col('Ready'),
      col('Status'),
      col('Restarts', 'string'),
      AGE,
      col('IP', 'string', '', 1),
      col('Node', 'string', '', 1),
      col('Nominated Node', 'string', '', 1),
      col('Readiness Gates', 'string', '', 1),
    ],
    cells: (o) => {
      const spec = isObj(o.spec) ? o.spec : {};
      const st = isObj(o.status) ? o.status : {};
      const cs = Array.isArray(st.containerStatuses) ? st.containerStatuses.filter(isObj) : [];
      const containers = Array.isArray(spec.containers) ? spec.containers.length : 0;
      const restarts = cs.reduce((n, c) => n + Number(c.restartCount ?? 0), 0);
      const none = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '<none>');
      return [
        name(o),
        `${cs.filter((c) => c.ready === true).length}/${containers}`,
        String(st.reason ?? st.phase ?? 'Pending'),
        String(restarts),
        age(o),
        none(st.podIP),
        none(spec.nodeName),
        none(st.nominatedNodeName),
        '<none>',
      ];
    },
  },
  Namespace: {
    columns: [NAME, col('Status'), AGE],
    cells: (o) => [name(o), String((isObj(o.status) ? o.status.phase : undefined) ?? 'Active'), age(o)],
  },
  CustomResourceDefinition: {
    columns: [NAME, col('Created At', 'date')],
    cells: (o) => [name(o), String((isObj(o.metadata) ? o.metadata.creationTimestamp : '') ?? '')],
  },
  Deployment: {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE],
    cells: (o) => {
      const st = isObj(o.status) ? o.status : {};
      const want = isObj(o.spec) ? Number(o.spec.replicas ?? 1) : 1;
      return [
        name(o),
        `${Number(st.readyReplicas ?? 0)}/${want}`,
        Number(st.updatedReplicas ?? 0),
        Number(st.availableReplicas ?? 0),
        age(o),
      ];
    },
  },
  Lease: {
    columns: [NAME, col('Holder'), AGE],
    cells: (o) => [name(o), String((isObj(o.spec) ? o.spec.holderIdentity : '') ?? ''), age(o)],
  },
};

function cellFor(obj: Obj, c: PrinterColumn): unknown {
  const v = getPath(obj, c.jsonPath);
  if (v === undefined || v === null) return null;
  if (c.type === 'date' && typeof v === 'string') return humanDuration(Date.now() - Date.parse(v));
  if (c.type === 'integer' || c.type === 'number') return typeof v === 'number' ? v : Number(v);
  if (c.type === 'boolean') return Boolean(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function printerFor(def: ResourceDef, printerColumns: PrinterColumn[]): Printer {
  const builtin = def.builtin ? BUILTIN[def.kind] : undefined;
  if (builtin) return builtin;
  if (def.builtin || printerColumns.length === 0)
    return { columns: [NAME, AGE], cells: (o) => [name(o), age(o)] };
  return {
    columns: [
      NAME,
      ...printerColumns.map((c) => col(c.name, c.type, c.format ?? '', c.priority ?? 0, c.description ?? '')),
    ],
    cells: (o) => [name(o), ...printerColumns.map((c) => cellFor(o, c))],
  };
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(obj: Obj, include: IncludeObject): Obj | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(
  def: ResourceDef,
  cols: PrinterColumn[],
  objs: Obj[],
  listMeta: Obj,
  include: IncludeObject,
): Obj {
  const p = printerFor(def, cols);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: p.columns,
    rows: objs.map((o) => {
      const row: Obj = { cells: p.cells(o) };
      const ro = rowObject(o, include);
      if (ro) row.object = ro;
      return row;
    }),
  };
}

/** Does this Accept header ask for a Table? */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((x) => x.trim());
    return (
      params.includes('as=Table') &&
      params.includes('g=meta.k8s.io') &&
      (params.includes('v=v1') || params.includes('v=v1beta1'))
    );
  });
}
