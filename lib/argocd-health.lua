-- Argo CD health for the operator's Prometheus, Alertmanager and ThanosRuler resources.
-- The operator reports two conditions: Reconciled (it could turn the CR into workloads) and
-- Available (True, Degraded when some replicas are down, False when none are up).
local hs = { status = "Progressing", message = "Waiting for the operator to report status" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local available, reconciled
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Available" then available = c end
  if c.type == "Reconciled" then reconciled = c end
end
if reconciled ~= nil and reconciled.status == "False" then
  hs.status = "Degraded"
  hs.message = reconciled.message or "The operator could not reconcile this resource"
  return hs
end
if reconciled ~= nil and reconciled.observedGeneration ~= nil and obj.metadata.generation ~= nil
    and reconciled.observedGeneration < obj.metadata.generation then
  hs.message = "The operator has not reconciled the latest change yet"
  return hs
end
if available ~= nil then
  if available.status == "True" then
    hs.status = "Healthy"
    hs.message = "All replicas are available"
  elseif available.status == "Degraded" then
    hs.status = "Degraded"
    hs.message = available.message or "Some replicas are unavailable"
  else
    hs.message = available.message or "No replica is available yet"
  end
end
return hs
