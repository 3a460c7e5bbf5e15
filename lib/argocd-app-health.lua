-- Argo CD health for child Applications (app of apps). Argo CD has no built-in check for
-- argoproj.io/Application, so without this every child is "Healthy" at once and sync waves
-- between them order nothing. A child counts as healthy once it has synced its revision and
-- everything it deployed is healthy (certificates issued, secrets fetched, CRDs established).
local hs = { status = "Progressing", message = "Waiting for the first sync" }
if obj.status == nil then
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
