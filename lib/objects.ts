/** Adding typed model objects to a cdk8s chart under a stable construct id. */
import { ApiObject, type Chart } from 'cdk8s';

interface ModelLike {
  toJSON(): unknown;
}

export function addObject(chart: Chart, model: ModelLike): ApiObject {
  const json = model.toJSON() as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
  const id = [json.kind, json.metadata.namespace, json.metadata.name].filter(Boolean).join('-');
  return new ApiObject(chart, id, json as never);
}
