-- Vigil's REST edge behaviour around Envoy's gRPC-JSON transcoder.
--
-- On the way in:
--   * one trailing slash is stripped (FindFace paths end in `/`; the
--     transcoder's path templates cannot);
--   * LUNA's `Luna-Request-Id` is kept, or made as `timestamp,uuid`;
--   * raw gRPC is refused: the REST listeners serve REST (the gRPC ports
--     serve gRPC);
--   * a request body of a JSON route (any route but uploads) over its limit
--     is refused with 413, by its Content-Length before it is read, or once
--     a chunked one passes the limit; the whole body is copied into
--     `vigil-json-body-bin`, whatever its size or transfer encoding, so the
--     gRPC server can reject unknown fields (the transcoder drops them);
--   * `vigil-origin`, the base of absolute URLs in answers, is the configured
--     public base URL or the listener's own address, never the client's Host.
-- On the way out:
--   * an error (from a service, with `vigil-error-*` metadata, or from Envoy
--     itself: unknown route, unparsable JSON, bad query parameter) becomes the
--     family's documented error body and HTTP status;
--   * an unknown route answers in the family of the listener it came to
--     (`VIGIL_LISTENER`: 4004 Visionaire4, 5160 LUNA); on 8080 the path
--     decides;
--   * `vigil-http-status` on a success sets a documented non-200 status
--     (201, 204); a 204 or 304 carries no body (envoy/framing.lua drops its
--     Content-Length);
--   * LUNA routes answer with `Luna-Request-Id`;
--   * internal headers do not leak.

-- What services/platform/envoy_config.py sets in front of the file for each
-- listener: which listener runs this copy ("rest", "visionaire", "luna"), the
-- public base URL (empty: the listener's own address), the body limit of JSON
-- routes and the routes that allow more ({method, path pattern, bytes}).
VIGIL_LISTENER = VIGIL_LISTENER or "rest"
VIGIL_PUBLIC_BASE_URL = VIGIL_PUBLIC_BASE_URL or ""
VIGIL_MAX_JSON_BYTES = VIGIL_MAX_JSON_BYTES or 1048576
VIGIL_LARGER_BODIES = VIGIL_LARGER_BODIES or {}

local function family(path)
  if path:match("^/[12]/") or path == "/version" or path == "/healthcheck" or path == "/config"
      or path == "/plugins" or path:match("^/docs/") then
    return "luna"
  end
  if path:match("^/api/visionaire%-media/") or path:match("^/api/visionaire/")
      or path == "/api/visionaire_active_analytic_list" or path:match("^/vigil/v1/videos/") then
    return "lenz"
  end
  if path:match("^/api/classify") or path:match("^/api/result") then return "gaard" end
  if path == "/videos" or path:match("^/videos/") then return "findface" end
  return "visionaire"
end

-- Lenz routes (and Vigil's /vigil/v1/videos/ extension of them), which all need
-- the Lenz Bearer token (services/auth/families.py):
-- a refusal of one answers in Lenz's shape, though the analytic routes answer
-- other errors in Visionaire4's.
local function lenz_route(path)
  return path:match("^/api/visionaire%-media/") or path:match("^/api/visionaire/")
    or path == "/api/visionaire_active_analytic_list" or path:match("^/vigil/v1/videos/")
end

-- Whether Visionaire4 routes need the Bearer too (VIGIL_AUTH_VISIONAIRE);
-- services/platform/envoy_config.py sets it in front of the file.
VIGIL_JWT_VISIONAIRE = VIGIL_JWT_VISIONAIRE or false

local function jwt_protected(path)
  return lenz_route(path) or (VIGIL_JWT_VISIONAIRE and family(path) == "visionaire")
end

-- Headers only the edge may set: Envoy's jwt_authn sets the tenant of a
-- verified token; one a client sent is dropped before it runs.
local EDGE_ONLY = { "vigil-auth-tenant" }

-- A refusal by jwt_authn is counted by family and reason in /metrics: one
-- fire-and-forget gRPC call to the System service's internal handler
-- (services/auth/edge_events.py), "family\nmessage" as the raw message.
local function report_auth_failure(handle, fam, message)
  local payload = fam .. "\n" .. message:sub(1, 200)
  local n = #payload
  local frame = string.char(0, math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256) .. payload
  handle:httpCall("system", {
    [":method"] = "POST", [":path"] = "/vigil.internal.EdgeEvents/AuthFailure", [":authority"] = "system",
    ["content-type"] = "application/grpc", ["te"] = "trailers",
  }, frame, 1000, true)
end

local function luna_id_wanted(path)
  return VIGIL_LISTENER == "luna" or family(path) == "luna" or path == "/metrics"
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    if c == "\n" then return "\\n" end
    if c == "\r" then return "\\r" end
    if c == "\t" then return "\\t" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local LUNA_DEFAULTS = {
  [400] = { 12022, "Bad/incomplete input data" },
  -- LUNA's document defines no authentication error: a refused optional
  -- Bearer token (issue 11) says its HTTP status as the code.
  [401] = { 401, "Unauthorized" },
  [404] = { 39001, "Object not found" },
  [413] = { 12022, "Bad/incomplete input data" },
  [415] = { 12024, "Unsupported media type" },
}

local FINDFACE_CODES = {
  [400] = "BAD_PARAM", [401] = "UNAUTHORIZED", [403] = "PERMISSION_DENIED", [404] = "NOT_FOUND",
  [409] = "CONFLICT", [413] = "BAD_PARAM", [415] = "BAD_PARAM", [429] = "LIMIT_EXCEEDED",
  [501] = "NOT_IMPLEMENTED",
}

local function render(fam, status, message, code, desc)
  if fam == "luna" then
    local default = LUNA_DEFAULTS[status] or { 1, "internal server error" }
    return string.format('{"error_code":%d,"desc":%s,"detail":%s}',
      tonumber(code) or default[1], json_string(desc or default[2]), json_string(message))
  elseif fam == "lenz" then
    return string.format('{"success":false,"message":%s}', json_string(message))
  elseif fam == "findface" then
    return string.format('{"code":%s,"desc":%s}',
      json_string(FINDFACE_CODES[status] or "INTERNAL_ERROR"), json_string(message))
  elseif fam == "gaard" then
    return string.format('{"error_code":%d,"error_msg":%s}', tonumber(code) or status, json_string(message))
  end
  return string.format('{"code":%d,"message":%s}', status, json_string(message))
end

local function body_limit(method, path)
  for _, route in ipairs(VIGIL_LARGER_BODIES) do
    if route[1] == method and path:match(route[2]) then return route[3] end
  end
  return VIGIL_MAX_JSON_BYTES
end

-- The message of an error that Envoy or the transcoder made, not a service.
local function local_message(status, body, method, path, query)
  local text = (body or ""):gsub("^%s+", ""):gsub("%s+$", "")
  if status == 404 and (text == "" or text:match("^Could not resolve")) then
    return "no route for " .. method .. " " .. path, nil, true
  end
  local unknown = text:match('^Could not find field "([^"]+)"')
  if unknown then
    return "Bad query parameters '" .. unknown .. "'", 12012
  end
  local field = text:match("^([%w_%.]+): ")
  if field and query:find("[?&]" .. field:gsub("%p", "%%%0") .. "=") then
    return "Bad query parameters '" .. field .. "'", 12012
  end
  if status == 413 and text == "Payload Too Large" then
    -- Envoy's own, once a body passed its route's buffer limit.
    return "the request body is larger than " .. body_limit(method, path) .. " bytes", nil
  end
  if status == 503 or status == 502 then
    return "service unavailable", nil
  end
  if text:match("^{") then
    -- google.rpc.Status JSON that the transcoder made from a gRPC status.
    local msg = text:match('"message":"(.-)"')
    if msg then return msg, nil end
  end
  text = text:match("^[^\n]*") or ""
  if text == "" then text = "request failed" end
  return text, nil
end

-- Routes whose body streams to the service unread: Lenz chunks, FindFace
-- source files, Gaard clips (multipart or raw video, each with its service's
-- own size limit).
local function streamed_body(path)
  return path:match("/videos/upload$") or path:match("/upload/source_file$") or path == "/api/classify"
end

-- `scheme://host:port` of this listener as the client reached it: the
-- configured public base URL, else the local address of the connection.
local function origin(handle)
  if VIGIL_PUBLIC_BASE_URL ~= "" then return VIGIL_PUBLIC_BASE_URL end
  local address = handle:streamInfo():downstreamLocalAddress() or "localhost"
  return "http://" .. address
end

-- 413 before the service sees the request (envoy_on_response renders it in
-- the family's shape, as it does Envoy's own 413 past the buffer limit).
local function too_large(handle, limit)
  handle:respond({ [":status"] = "413" }, "the request body is larger than " .. limit .. " bytes")
end

function envoy_on_request(handle)
  local headers = handle:headers()
  if string.lower(headers:get("content-type") or ""):match("^application/grpc") then
    -- gRPC clients get a gRPC answer: UNIMPLEMENTED, as for a method this
    -- server does not have (envoy_on_response leaves it as it is).
    handle:streamInfo():dynamicMetadata():set("vigil", "grpc", "1")
    handle:respond({ [":status"] = "200", ["content-type"] = "application/grpc", ["grpc-status"] = "12",
      ["grpc-message"] = "gRPC is not served on the REST listeners: use the gRPC ports" }, "")
    return
  end
  local full = headers:get(":path") or "/"
  local path, query = full:match("^([^?]*)(.*)$")
  if #path > 1 and path:sub(-1) == "/" then
    path = path:sub(1, -2)
    headers:replace(":path", path .. query)
  end
  for _, name in ipairs(EDGE_ONLY) do
    headers:remove(name)
  end
  -- The transcoder hands request headers to the services as gRPC metadata,
  -- whose keys allow only 0-9 a-z _ . - (HTTP allows more, e.g. "~" or "`");
  -- gRPC refuses the whole call over one such key, so such headers stop here.
  local illegal = {}
  for name, _ in pairs(headers) do
    if name:sub(1, 1) ~= ":" and not name:match("^[%d%l_%.%-]+$") then
      illegal[#illegal + 1] = name
    end
  end
  for _, name in ipairs(illegal) do
    headers:remove(name)
  end
  if path:match("^/vigil%.internal%.") then
    handle:respond({ [":status"] = "404", ["content-type"] = "application/json" },
      '{"code":404,"message":"no route"}')
    return
  end
  local meta = handle:streamInfo():dynamicMetadata()
  meta:set("vigil", "path", path)
  meta:set("vigil", "query", query)
  meta:set("vigil", "method", headers:get(":method") or "GET")
  if luna_id_wanted(path) then
    local rid = headers:get("luna-request-id")
    if not rid or not rid:match("^%d%d%d%d%d%d%d%d%d%d,%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$") then
      rid = string.format("%d,%s", os.time(), string.lower(headers:get("x-request-id") or "00000000-0000-4000-8000-000000000000"))
      headers:replace("luna-request-id", rid)
    end
    meta:set("vigil", "luna_request_id", rid)
  end
  -- The base of absolute URLs in answers (FindFace `screenshot`,
  -- `next_page`): gRPC servers do not see `:authority`, and must not trust it.
  headers:replace("vigil-origin", origin(handle))
  headers:remove("vigil-json-body-bin")
  headers:remove("vigil-host")
  local method = headers:get(":method")
  -- Upload bodies (multipart chunks, raw video files, clips to classify)
  -- stream through to the service as they arrive and are never read here.
  if streamed_body(path) then return end
  local limit = body_limit(method, path)
  local length = tonumber(headers:get("content-length") or "")
  if length and length > limit then
    too_large(handle, limit)
    return
  end
  if length ~= 0 then
    -- The whole body, buffered, whatever its framing (Envoy's codec takes
    -- `Transfer-Encoding: chunked` away; a request without a body gives nil
    -- at once). Envoy stops buffering and answers 413 itself once a body
    -- passes its route's buffer limit (this limit and 1 KiB: envoy_config.py).
    local body = handle:body()
    if body and body:length() > limit then
      too_large(handle, limit)
      return
    end
    if body and body:length() > 0 then
      -- Reading the body invalidates the earlier headers object: fetch it again.
      handle:headers():replace("vigil-json-body-bin", handle:base64Escape(body:getBytes(0, body:length())))
    end
  end
end

function envoy_on_response(handle)
  -- Headers are settled first: once the body is read they can no longer change.
  local headers = handle:headers()
  local meta = handle:streamInfo():dynamicMetadata():get("vigil") or {}
  if meta["grpc"] then return end
  local path = meta["path"] or "/"
  local fam = family(path)
  local status = tonumber(headers:get(":status")) or 500
  local wanted = tonumber(headers:get("vigil-http-status") or "")
  local err_message = headers:get("vigil-error-message")
  local err_code = headers:get("vigil-error-code")
  local err_desc = headers:get("vigil-error-desc")

  if meta["luna_request_id"] then
    headers:replace("luna-request-id", meta["luna_request_id"])
  end
  for _, name in ipairs({ "vigil-http-status", "vigil-error-message", "vigil-error-code", "vigil-error-desc",
    "grpc-status", "grpc-message", "grpc-accept-encoding", "grpc-status-details-bin" }) do
    headers:remove(name)
  end

  if err_message then
    status = wanted or status
    headers:replace(":status", tostring(status))
    if status == 401 then
      headers:replace("www-authenticate", fam == "findface" and 'Token realm="vigil"' or 'Bearer realm="vigil"')
    end
    headers:replace("content-type", "application/json")
    local body = render(fam, status, unescape(err_message), err_code, err_desc and unescape(err_desc) or nil)
    handle:body(true):setBytes(body)
  elseif status >= 400 then
    headers:replace("content-type", "application/json")
    if status == 403 and jwt_protected(path) then
      -- jwt_authn answers 403 for a token of another audience: a token this
      -- API does not accept is invalid_token, 401 (RFC 6750 3.1).
      status = 401
      headers:replace(":status", "401")
    end
    if status == 401 and not headers:get("www-authenticate") then
      headers:replace("www-authenticate", 'Bearer realm="vigil"')
    end
    local buffer = handle:body(true)
    local text = buffer:length() > 0 and buffer:getBytes(0, buffer:length()) or ""
    if status == 401 then
      -- jwt_authn refused the token (a service's refusal carries vigil-error-*).
      if lenz_route(path) then fam = "lenz" end
      local message = text:gsub("^%s+", ""):gsub("%s+$", "")
      if message == "" then message = "authentication required" end
      buffer:setBytes(render(fam, status, message, nil, nil))
      -- Last: the call may yield, and the body must be settled before it does.
      report_auth_failure(handle, fam, message)
      return
    end
    local message, code, unrouted = local_message(status, text, meta["method"] or "GET", path, meta["query"] or "")
    -- A request Envoy's codec refused before envoy_on_request ran (a header
    -- with an underscore, headers too large) has no path to go by.
    unrouted = unrouted or not meta["path"]
    if unrouted and VIGIL_LISTENER ~= "rest" then
      -- No route at all: the listener's own family answers, not the path's.
      fam = VIGIL_LISTENER
    end
    if fam == "gaard" then
      -- Gaard's own codes for a malformed request and a body over the limit
      -- (services/classification/errors.py), not LUNA's 12012; other
      -- statuses print as the code.
      code = (status == 400 and 1000) or (status == 413 and 1003) or nil
    end
    buffer:setBytes(render(fam, status, message, code, nil))
  else
    if wanted then
      status = wanted
      headers:replace(":status", tostring(status))
    end
    if status == 204 or status == 304 then
      -- No body at all (RFC 9110 15.3.5, 15.4.5): the transcoder prints `{}`
      -- for an empty message, which a keep-alive client would read as the
      -- start of the next response. Replacing the body makes Envoy set
      -- `content-length: 0`; envoy/framing.lua removes it afterwards.
      headers:remove("content-type")
      handle:body(true):setBytes("")
    end
  end
end
