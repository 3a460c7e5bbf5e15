/** Adding typed objects to a cdk8s chart under a stable construct id. */
import { ApiObject, type Chart } from 'cdk8s';

export interface ModelLike {
  toJSON(): unknown;
}

/** An object built from an imported kind's typed props, ready for `addObject`. */
export type TypedObject = ModelLike;

/** A generated construct class of imports/<group>.ts (`cdk8s import`): its typed props -> manifest. */
export interface ImportedKind<P> {
  manifest(props: P): unknown;
}

/**
 * An object of an imported kind, checked against its generated props type (the vendored CRD at
 * the pinned version), in the same shape as the kubernetes-models objects `addObject` takes.
 */
export function typed<P>(kind: ImportedKind<P>, props: P): TypedObject {
  return { toJSON: () => kind.manifest(props) };
}

/**
 * An object of an imported kind whose spec is already in manifest form (a spec written in an
 * environment file): it bypasses the typed props, and synth validates it against the CRD.
 */
export function asManifest(kind: { GVK: { apiVersion: string; kind: string } }, body: { metadata: unknown; spec: unknown }): TypedObject {
  return { toJSON: () => ({ ...kind.GVK, ...body }) };
}

/** The construct id of an object: `Kind-namespace-name`, stable and unique within a chart. */
export function constructId(kind: string, namespace: string | undefined, name: string): string {
  return [kind, namespace, name].filter(Boolean).join('-');
}

export function addObject(chart: Chart, model: ModelLike): ApiObject {
  const json = model.toJSON() as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
  return new ApiObject(chart, constructId(json.kind, json.metadata.namespace, json.metadata.name), json as never);
}
