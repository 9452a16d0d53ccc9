{{/*
Fixed object names: the manager finds its webhook configuration, Service, Leases and certificate
Secret by these names, and the CRDs (not templated) name the webhook Service and namespace.
*/}}
{{- define "openelb.namespace" -}}openelb-system{{- end -}}
{{- define "openelb.name" -}}openelb-manager{{- end -}}
{{- define "openelb.webhookService" -}}openelb-webhook{{- end -}}
{{- define "openelb.webhookConfiguration" -}}openelb-admission{{- end -}}
{{- define "openelb.certSecret" -}}openelb-webhook-cert{{- end -}}
{{- define "openelb.runDir" -}}/run/openelb{{- end -}}
{{- define "openelb.gobgpSocket" -}}{{ include "openelb.runDir" . }}/gobgpd.sock{{- end -}}
{{- define "openelb.heartbeatFile" -}}{{ include "openelb.runDir" . }}/heartbeat{{- end -}}

{{/* The chart only works in openelb-system (see values.yaml); say so instead of rendering a broken install. */}}
{{- define "openelb.checkNamespace" -}}
{{- if ne .Release.Namespace (include "openelb.namespace" .) -}}
{{- fail (printf "openelb must be installed into the namespace %s (the CRDs' conversion webhook points there), not %q: use -n %s" (include "openelb.namespace" .) .Release.Namespace (include "openelb.namespace" .)) -}}
{{- end -}}
{{- end -}}

{{/* Selector labels: stable across chart and app versions (selectors are immutable). */}}
{{- define "openelb.selectorLabels" -}}
app.kubernetes.io/name: openelb
app.kubernetes.io/component: manager
{{- end -}}

{{- define "openelb.labels" -}}
app.kubernetes.io/name: openelb
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: openelb
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "openelb.image" -}}
{{- $tag := .image.tag | default .chart.AppVersion -}}
{{- if .image.registry -}}
{{ .image.registry }}/{{ .image.repository }}:{{ $tag }}
{{- else -}}
{{ .image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{/* gobgpd binds the BGP port itself; only a port below 1024 needs a capability (and root, see the workload). */}}
{{- define "openelb.gobgpdPrivilegedPort" -}}
{{- $p := int .Values.gobgpd.listenPort -}}
{{- if and (gt $p 0) (lt $p 1024) -}}true{{- end -}}
{{- end -}}

{{/* Flags that would move gobgpd's API off the unix socket, turn pprof back on or load a config file. */}}
{{- define "openelb.checkGobgpdArgs" -}}
{{- range .Values.gobgpd.extraArgs -}}
{{- $flag := regexReplaceAll "=.*$" . "" -}}
{{- if has $flag (list "--api-hosts" "--pprof-host" "--pprof-disable" "-f" "--config-file" "-t" "--config-type" "--tls" "--tls-cert-file" "--tls-key-file" "-l" "--log-level") -}}
{{- fail (printf "gobgpd.extraArgs: %s is set by the chart (gRPC only on the unix socket, pprof off, no config file, log level from gobgpd.logLevel)" $flag) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Manager flags the chart sets from values: a second copy in extraArgs would silently win. */}}
{{- define "openelb.checkManagerArgs" -}}
{{- range .Values.manager.extraArgs -}}
{{- $flag := regexReplaceAll "=.*$" . "" -}}
{{- if has $flag (list "--bgp-graceful-shutdown" "--bgp-drain" "--shutdown-timeout" "--announced-writes-per-second") -}}
{{- fail (printf "manager.extraArgs: %s is set by the chart: use manager.bgpGracefulShutdownSeconds / manager.bgpDrainSeconds / manager.announcedWritesPerSecond / terminationGracePeriodSeconds" $flag) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The manager's --shutdown-timeout: the grace period less 5 s, so that the manager exits on its own (logs flushed, Lease released) before the kubelet's SIGKILL. */}}
{{- define "openelb.shutdownTimeoutSeconds" -}}
{{- sub (int .Values.terminationGracePeriodSeconds) 5 -}}
{{- end -}}

{{/* The kubelet kills the pod after the grace period: the BGP drain (graceful shutdown, then withdraw and wait) must fit in --shutdown-timeout with 1 s to spare (the manager refuses to start otherwise), and --shutdown-timeout is the grace period less 5 s. */}}
{{- define "openelb.checkGracePeriod" -}}
{{- $need := add (int .Values.manager.bgpGracefulShutdownSeconds) (int .Values.manager.bgpDrainSeconds) 1 5 -}}
{{- if lt (int .Values.terminationGracePeriodSeconds) (int $need) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least manager.bgpGracefulShutdownSeconds (%d) + manager.bgpDrainSeconds (%d) + 1 s (the manager's --shutdown-timeout, the grace period less 5 s, must exceed the drain) + 5 s = %d, or the manager refuses to start" (int .Values.terminationGracePeriodSeconds) (int .Values.manager.bgpGracefulShutdownSeconds) (int .Values.manager.bgpDrainSeconds) (int $need)) -}}
{{- end -}}
{{- end -}}
