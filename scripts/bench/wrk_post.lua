-- POSTs a body file, replacing every "@@ID@@" with a value unique to each request, so every request
-- is a new Echo event (no deduplication shortcut). Usage: wrk -s wrk_post.lua URL -- BODY_FILE RUN_TAG
local parts = {}
local counter = 0
local prefix = ""
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  -- args[2] is a tag unique to this wrk run, so ids never repeat across runs or threads.
  prefix = (args[2] or "run") .. "t" .. tostring(thread_number) .. "n"
  local f = assert(io.open(args[1], "r"))
  local body = f:read("*a")
  f:close()
  local start = 1
  while true do
    local i, j = string.find(body, "@@ID@@", start, true)
    if not i then break end
    table.insert(parts, string.sub(body, start, i - 1))
    start = j + 1
  end
  table.insert(parts, string.sub(body, start))
end

function request()
  counter = counter + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, table.concat(parts, prefix .. counter))
end
