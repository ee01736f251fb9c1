-- patients_page.lua - scenario 3: GET a random full page of 1,000 patients
-- of a random center (P.centers[k] = {id=, pages=}).

function init(args)
   math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
   local c = pick(P.centers)
   return wrk.format("GET", "/api/v2/centers/" .. c.id .. "/patients?page=" ..
                        math.random(c.pages) .. "&" .. auth_query())
end
