-- The last word on response framing, after envoy/vigil.lua.
--
-- This filter sits before vigil.lua in the filter chain, so it sees each
-- response after vigil.lua has made it. vigil.lua empties the body of a 204
-- or 304, and Envoy sets `content-length: 0` whenever a Lua script replaces
-- a body; a 204 must not carry Content-Length at all (RFC 9110 8.6), and a
-- 304's would describe a body that is not there. So it goes here, where the
-- body is no longer touched.

function envoy_on_request(handle)
end

function envoy_on_response(handle)
  local headers = handle:headers()
  local status = headers:get(":status")
  if status == "204" or status == "304" then
    headers:remove("content-length")
    headers:remove("transfer-encoding")
  end
end
