// Kubernetes' dependent-variable expansion in command, args and env values: $(VAR) becomes VAR's
// value when VAR is defined (earlier in env, for env values), stays as written otherwise; $$ is a
// literal $ (so $$(VAR) stays "$(VAR)"). The name is everything up to the first ")", as in the
// kubelet, so shell syntax such as "$0", "$@" or "$(( $(date +%s) … ))" is left alone unless it
// happens to spell a defined name.

export function expandVars(s: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = s.indexOf(')', i + 2);
      const name = close < 0 ? '' : s.slice(i + 2, close);
      if (close >= 0) {
        out += vars.get(name) ?? `$(${name})`;
        i = close;
        continue;
      }
    }
    out += c;
  }
  return out;
}
