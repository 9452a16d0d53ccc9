// The one shape for "worked, or here is why not" across the codebase: parsers and checks return it
// instead of throwing, and instead of ad-hoc `T | string`, `{ok, why}` or `undefined` signals.
export type Result<T, E = string> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
