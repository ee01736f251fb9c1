-- static.lua - one fixed GET (P.path), for scenario 1 and the nginx runs.

function request()
   return wrk.format("GET", P.path)
end
