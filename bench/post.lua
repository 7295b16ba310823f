-- wrk: POST a ROLLER booking webhook with a new message id per request.
local template = nil
local thread_id = 0
local counter = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  local file = io.open(os.getenv("BENCH_BODY_FILE"), "r")
  template = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["x-roller-apikey"] = os.getenv("BENCH_WEBHOOK_KEY")
end

function request()
  counter = counter + 1
  local id = string.format("%s-%d-%d", os.getenv("BENCH_RUN"), tid, counter)
  return wrk.format(nil, nil, nil, (template:gsub("__MESSAGE_ID__", id)))
end
