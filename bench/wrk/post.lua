-- POST a new scanner per request; asset tags are unique per run, thread and request. Args: site id, run id.
local common = dofile("bench/wrk/common.lua")
local counter = 0
setup = common.number_threads()

function init(args)
  site_id = args[1]
  run = args[2]
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"asset_tag": "WRK-%s-%d-%d", "site_id": %s, "use": "baggage", "status": "active", "network_mode": "standalone", "count_basis": "unit"}',
    run, tid, counter, site_id)
  return wrk.format("POST", "/api/v1/scanners", common.with_defaults({["Content-Type"] = "application/json"}), body)
end
