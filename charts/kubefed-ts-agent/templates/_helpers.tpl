{{/* Names, labels and checks of the kubefed-ts-agent chart. */}}

{{- define "kubefed-ts-agent.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of every namespaced object's name (the Deployment's): the release name when it contains the chart
name, as in `helm install kubefed-ts-agent`. Kept to 52 characters so the ReplicaSet and pod suffixes fit.
*/}}
{{- define "kubefed-ts-agent.fullname" -}}
{{- $full := .Values.fullnameOverride -}}
{{- if not $full -}}
{{- $name := include "kubefed-ts-agent.name" . -}}
{{- $full = ternary .Release.Name (printf "%s-%s" .Release.Name $name) (contains $name .Release.Name) -}}
{{- end -}}
{{- $full | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{/* Cluster-scoped objects carry the release namespace, so two releases of the same name never collide. */}}
{{- define "kubefed-ts-agent.clusterScopedName" -}}
{{- printf "%s-%s" (include "kubefed-ts-agent.fullname" .) .Release.Namespace | trunc 200 | trimSuffix "-" -}}
{{- end -}}

{{- define "kubefed-ts-agent.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "kubefed-ts-agent.fullname" .) -}}
{{- end -}}

{{- define "kubefed-ts-agent.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* Where the host kubeconfig Secret is mounted; the agent's --host-kubeconfig is the key's file there. */}}
{{- define "kubefed-ts-agent.hostKubeconfigDir" -}}
/etc/kubefed-agent/host
{{- end -}}

{{/* Labels that select the agent's pods; never change them, Deployment selectors are immutable. */}}
{{- define "kubefed-ts-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubefed-ts-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{- define "kubefed-ts-agent.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "kubefed-ts-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubefed-ts
kubefed.io/pull-cluster: {{ .Values.clusterName | quote }}
{{- end -}}

{{- define "kubefed-ts-agent.validateValues" -}}
{{- if not .Values.clusterName -}}
{{- fail "clusterName is required: the name the cluster was joined with (kubefedctl join NAME --mode pull)" -}}
{{- end -}}
{{- if not (has .Values.scope (list "Cluster" "Namespaced")) -}}
{{- fail (printf "scope must be Cluster or Namespaced, not %q" (toString .Values.scope)) -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElect) -}}
{{- fail "leaderElect must be true when replicaCount > 1: agents without leader election would all apply the same work" -}}
{{- end -}}
{{- if and (not .Values.serviceAccount.create) (not .Values.serviceAccount.name) -}}
{{- fail "serviceAccount.name is required when serviceAccount.create is false (kubefedctl join --mode pull makes kubefed-agent)" -}}
{{- end -}}
{{- end -}}
