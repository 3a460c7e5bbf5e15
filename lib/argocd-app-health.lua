-- Argo CD health for child Applications (app of apps). Argo CD has no built-in check for
-- argoproj.io/Application, so without this every child is "Healthy" at once and sync waves
-- between them order nothing. A child is as healthy as what it deployed once it has synced
-- (certificates issued, secrets fetched, CRDs established); a failed sync is Degraded, so the
-- root shows it instead of waiting; anything else is still on its way (Progressing).
local hs = { status = "Progressing", message = "Waiting for the first sync" }
if obj.status == nil then
  return hs
end
local op = obj.status.operationState
if op ~= nil and (op.phase == "Failed" or op.phase == "Error") then
  hs.status = "Degraded"
  hs.message = op.message or "The last sync failed"
  return hs
end
if obj.status.sync == nil or obj.status.sync.status ~= "Synced" then
  hs.message = "Not synced yet"
  return hs
end
if obj.status.health ~= nil and obj.status.health.status ~= nil then
  hs.status = obj.status.health.status
  hs.message = obj.status.health.message or ""
end
return hs
