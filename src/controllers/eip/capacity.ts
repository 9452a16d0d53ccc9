// How many allocations one Eip can record before its object would exceed etcd's request size limit.
//
// The whole Eip (spec, metadata, status.used, status.serviceUIDs and the managedFields entries the
// API server keeps for every status key) is one etcd value, and etcd refuses a request larger than
// --max-request-bytes, 1.5 MiB (1,572,864 bytes) by default. A status write that would cross it fails
// (the API server answers "etcdserver: request is too large"), so the allocator must stop short of it.
//
// Worst case per allocation (one Service on its own IPv6 address, longest names):
//   status.used entry          "ffff:…:ffff":"<ns 63>/<name 63>",      2+39+1 + 2+127+1 = 172 bytes
//   status.serviceUIDs entry   "<ns 63>/<name 63>":"<uid 36>",         2+127+1 + 2+36+1 = 169 bytes
//   managedFields for used     "f:ffff:…:ffff":{},                     2+2+39+1+3       =  47 bytes
//   managedFields for UIDs     "f:<ns>/<name>":{},                     2+2+127+1+3      = 135 bytes
// = 523 bytes. A shared address costs less per Service (its IP key is written once). The rest of the
// object (metadata, spec, conditions, finalizers, kubectl's last-applied annotation) gets a 96 KiB
// reserve, which also covers the namespaces list of a large spec.
export const ETCD_REQUEST_LIMIT_BYTES = 1_572_864;
export const EIP_OBJECT_RESERVE_BYTES = 96 * 1024;
const QUOTES_COLON_COMMA = 2 + 1 + 2 + 1;
const MAX_IP_TEXT = 39;
const MAX_SERVICE_KEY = 63 + 1 + 63;
const UID_TEXT = 36;
const MANAGED_FIELD_OVERHEAD = 2 + 2 + 1 + 3; // quotes, "f:", colon, "{},"

export const WORST_CASE_BYTES_PER_ALLOCATION =
  QUOTES_COLON_COMMA +
  MAX_IP_TEXT +
  MAX_SERVICE_KEY +
  (QUOTES_COLON_COMMA + MAX_SERVICE_KEY + UID_TEXT) +
  (MANAGED_FIELD_OVERHEAD + MAX_IP_TEXT) +
  (MANAGED_FIELD_OVERHEAD + MAX_SERVICE_KEY);

/** Allocations (Services recorded in status.used) one Eip may hold: 2,819 with the defaults. */
export const MAX_ALLOCATIONS_PER_EIP = Math.floor(
  (ETCD_REQUEST_LIMIT_BYTES - EIP_OBJECT_RESERVE_BYTES) / WORST_CASE_BYTES_PER_ALLOCATION,
);
