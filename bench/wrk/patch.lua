-- PATCH a different scanner per request with If-Match at its known version. Args: first id, how many
-- ids, their version, number of wrk threads (each thread takes its own slice of the ids).
local common = dofile("bench/wrk/common.lua")
local counter = 0
setup = common.number_threads()

function init(args)
  local first, count, nthreads = tonumber(args[1]), tonumber(args[2]), tonumber(args[4])
  version = args[3]
  stride = math.floor(count / nthreads)
  base = first + tid * stride
end

function request()
  local id = base + (counter % stride)
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json", ["If-Match"] = string.format('"scanner-%d-v%s"', id, version)}
  local body = string.format('{"notes": "patched by the benchmark %d"}', counter)
  return wrk.format("PATCH", "/api/v1/scanners/" .. id, common.with_defaults(headers), body)
end
