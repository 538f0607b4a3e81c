{{/* The name of namespaced objects: the release name, or <release>-rss-operator. */}}
{{- define "rss-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains "rss-operator" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-rss-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
The name of cluster-scoped objects, and of Roles in watched namespaces: it names the release namespace too, so that
two releases (in two namespaces, or two in one) never share a ClusterRole or a binding.
*/}}
{{- define "rss-operator.scopedName" -}}
{{- printf "%s-%s" .Release.Namespace (include "rss-operator.fullname" .) -}}
{{- end -}}

{{- define "rss-operator.selectorLabels" -}}
app.kubernetes.io/name: rss-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rss-operator.labels" -}}
{{ include "rss-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "rss-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "rss-operator.leaseName" -}}
{{- default (printf "%s-leader" (include "rss-operator.fullname" .)) .Values.leaderElection.leaseName -}}
{{- end -}}

{{/* The namespaces the operator watches, as a list; empty means every namespace. */}}
{{- define "rss-operator.watchedNamespaces" -}}
{{- if .Values.watchAnyNamespace -}}
{{- if .Values.watchNamespaces -}}
{{- fail "watchNamespaces is set while watchAnyNamespace is true: set watchAnyNamespace=false to watch only those namespaces" -}}
{{- end -}}
[]
{{- else if .Values.watchNamespaces -}}
{{- toJson (uniq .Values.watchNamespaces) -}}
{{- else -}}
{{- toJson (list .Release.Namespace) -}}
{{- end -}}
{{- end -}}

{{/* The operator's watch scope, as QUARKUS_OPERATOR_SDK_CONTROLLERS_REPLICATEDSTATEFULSET_NAMESPACES takes it. */}}
{{- define "rss-operator.watchScope" -}}
{{- if .Values.watchAnyNamespace -}}
{{- if .Values.watchNamespaces -}}
{{- fail "watchNamespaces is set while watchAnyNamespace is true: set watchAnyNamespace=false to watch only those namespaces" -}}
{{- end -}}
JOSDK_ALL_NAMESPACES
{{- else if .Values.watchNamespaces -}}
{{- join "," (uniq .Values.watchNamespaces) -}}
{{- else -}}
JOSDK_WATCH_CURRENT
{{- end -}}
{{- end -}}
