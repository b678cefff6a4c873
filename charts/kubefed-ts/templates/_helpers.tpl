{{/* Names, labels and shared fragments of the kubefed-ts chart. */}}

{{/* The chart's short name: the app.kubernetes.io/name label. */}}
{{- define "kubefed-ts.name" -}}
{{- .Values.nameOverride | default .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of every namespaced object's name. Kept to 42 characters so that `-controller-manager` plus the
ReplicaSet and pod suffixes still fit a 63-character label.
*/}}
{{- define "kubefed-ts.fullname" -}}
{{- $full := .Values.fullnameOverride -}}
{{- if not $full -}}
{{- $name := include "kubefed-ts.name" . -}}
{{- $full = ternary .Release.Name (printf "%s-%s" .Release.Name $name) (contains $name .Release.Name) -}}
{{- end -}}
{{- $full | trunc 42 | trimSuffix "-" -}}
{{- end -}}

{{/*
Prefix of cluster-scoped objects' names (ClusterRoles, bindings, the webhook configuration): the release
namespace is part of it, so releases of the same name in two namespaces never collide.
*/}}
{{- define "kubefed-ts.clusterScopedName" -}}
{{- printf "%s-%s" (include "kubefed-ts.fullname" .) .Release.Namespace | trunc 200 | trimSuffix "-" -}}
{{- end -}}

{{- define "kubefed-ts.controllerManagerName" -}}
{{- printf "%s-controller-manager" (include "kubefed-ts.fullname" .) -}}
{{- end -}}

{{- define "kubefed-ts.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "kubefed-ts.controllerManagerName" .) -}}
{{- end -}}

{{- define "kubefed-ts.webhookServiceName" -}}
{{- printf "%s-webhook" (include "kubefed-ts.fullname" .) -}}
{{- end -}}

{{- define "kubefed-ts.webhookSecretName" -}}
{{- printf "%s-webhook-cert" (include "kubefed-ts.fullname" .) -}}
{{- end -}}

{{/* Where the controller-manager reads the webhook's tls.crt and tls.key (--webhook-cert-dir). */}}
{{- define "kubefed-ts.webhookCertDir" -}}
/tmp/k8s-webhook-server/serving-certs
{{- end -}}

{{/* The Lease the controller-manager's leader election holds (fixed in the controller-manager). */}}
{{- define "kubefed-ts.leaderLeaseName" -}}
kubefed-controller-manager
{{- end -}}

{{- define "kubefed-ts.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the controller-manager pods; never change them, Deployment selectors are immutable. */}}
{{- define "kubefed-ts.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubefed-ts.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller-manager
{{- end -}}

{{/* Labels of every object the chart renders. */}}
{{- define "kubefed-ts.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "kubefed-ts.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kubefed-ts
{{- end -}}

{{/*
Marks the KubeFedConfig and FederatedTypeConfigs this chart installs. The webhook skips objects with this
label: helm creates them in the same pass as the webhook's Deployment, before any webhook pod can answer,
and they are valid by construction (the chart's test applies them to a real API server).
*/}}
{{- define "kubefed-ts.chartManagedLabel" -}}
kubefed.io/chart-managed: "true"
{{- end -}}

{{- define "kubefed-ts.validateValues" -}}
{{- if not (has .Values.scope (list "Cluster" "Namespaced")) -}}
{{- fail (printf "scope must be Cluster or Namespaced, not %q" (toString .Values.scope)) -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElect) -}}
{{- fail "leaderElect must be true when replicaCount > 1: replicas without leader election would all reconcile" -}}
{{- end -}}
{{- end -}}
