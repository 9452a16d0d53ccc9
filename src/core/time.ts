// Kubernetes timestamps, built in one place. metav1.Time is RFC 3339 to the second; MicroTime (Leases,
// events.k8s.io) carries six fractional digits.
export function kubeTime(at: Date | number = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function kubeMicroTime(at: Date | number = Date.now()): string {
  return new Date(at).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
