-- Shared by the write scripts (wrk runs from the repository root).
local common = {}

-- wrk.format uses the headers it is given instead of wrk.headers (the -H options): merge them.
function common.with_defaults(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  return headers
end

-- Number the wrk threads 0, 1, ... so each can take its own slice of ids or tags.
function common.number_threads()
  local threads = {}
  return function(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
  end
end

return common
