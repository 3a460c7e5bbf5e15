/**
 * Writes docs/argocd/argocd-cm-health-patch.yaml: the argocd-cm patch that installs
 * lib/argocd-health.lua as the health check of the operator's CRs and lib/argocd-app-health.lua
 * as the one of Applications (so sync waves between child Applications wait). Run by `make synth`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from './binaries.js';

export const HEALTH_KINDS = ['Prometheus', 'Alertmanager', 'ThanosRuler'] as const;
export const APPLICATION_HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

export function healthPatch(): string {
  const read = (f: string) => fs.readFileSync(path.join(repoRoot, 'lib', f), 'utf8');
  const data = {
    ...Object.fromEntries(
      HEALTH_KINDS.map((k) => [`resource.customizations.health.monitoring.coreos.com_${k}`, read('argocd-health.lua')]),
    ),
    [APPLICATION_HEALTH_KEY]: read('argocd-app-health.lua'),
  };
  return (
    '# Generated from lib/argocd-health.lua by `make synth`. Apply to Argo CD once:\n' +
    '#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file docs/argocd/argocd-cm-health-patch.yaml\n' +
    stringify({ data }, { lineWidth: 0 })
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  fs.writeFileSync(path.join(repoRoot, 'docs/argocd/argocd-cm-health-patch.yaml'), healthPatch());
}
