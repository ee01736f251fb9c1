-- patient_get.lua - scenario 2: GET one patient of a random center by a
-- random remote_id among those loaded (P.centers[k] = {id=, first=, count=}).
--
-- The requests are formatted once, in init (up to POOL per wrk thread, each
-- naming a random patient), and request() only picks one: building the
-- string in Lua for every request cost wrk more CPU than the static file of
-- the nginx run it is compared with, CPU the server then lacked on a machine
-- they share.

local POOL = 65536
local pool = {}

function init(args)
   math.randomseed(os.time() * 100 + (thread_no or 0))
   local total = 0
   for _, c in ipairs(P.centers) do
      total = total + c.count
   end
   local query = "?" .. auth_query()
   for k = 1, math.min(POOL, total) do
      local c = pick(P.centers)
      local i = c.first + math.random(c.count) - 1
      pool[k] = wrk.format("GET", "/api/v2/centers/" .. c.id .. "/patients/remote_id:p" .. i ..
                              query)
   end
end

function request()
   return pool[math.random(#pool)]
end
