/** The baseline of `make bench`: a one-object cdk8s app, bundled and started as synth is. */
import { ApiObject, App, Chart } from 'cdk8s';

const app = new App({ outdir: process.argv[2] ?? 'dist.trivial' });
new ApiObject(new Chart(app, 'trivial'), 'config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'trivial' } });
app.synth();
