-- Vigil's REST edge behaviour around Envoy's gRPC-JSON transcoder.
--
-- On the way in:
--   * one trailing slash is stripped (FindFace paths end in `/`; the
--     transcoder's path templates cannot);
--   * LUNA's `Luna-Request-Id` is kept, or made as `timestamp,uuid`;
--   * a small JSON body is copied into `vigil-json-body-bin` so the gRPC
--     server can reject unknown fields (the transcoder silently drops them).
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

local MAX_JSON_COPY = 65536

-- Which listener runs this copy of the script: services/platform/envoy_config.py
-- sets it in front of the file for each listener ("rest", "visionaire", "luna").
VIGIL_LISTENER = VIGIL_LISTENER or "rest"

local function family(path)
  if path:match("^/[12]/") or path == "/version" or path == "/healthcheck" or path == "/config"
      or path == "/plugins" or path:match("^/docs/") then
    return "luna"
  end
  if path:match("^/api/visionaire%-media/") or path:match("^/api/visionaire/")
      or path == "/api/visionaire_active_analytic_list" then
    return "lenz"
  end
  if path:match("^/api/classify") or path:match("^/api/result") then return "gaard" end
  if path == "/videos" or path:match("^/videos/") then return "findface" end
  return "visionaire"
end

-- Lenz routes, which all need the Lenz Bearer token (services/auth/families.py):
-- a refusal of one answers in Lenz's shape, though the analytic routes answer
-- other errors in Visionaire4's.
local function lenz_route(path)
  return path:match("^/api/visionaire%-media/") or path:match("^/api/visionaire/")
    or path == "/api/visionaire_active_analytic_list"
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

function envoy_on_request(handle)
  local headers = handle:headers()
  local full = headers:get(":path") or "/"
  local path, query = full:match("^([^?]*)(.*)$")
  if #path > 1 and path:sub(-1) == "/" then
    path = path:sub(1, -2)
    headers:replace(":path", path .. query)
  end
  for _, name in ipairs(EDGE_ONLY) do
    headers:remove(name)
  end
  if path:match("^/vigil%.internal%.") then
    handle:respond({ [":status"] = "404", ["content-type"] = "application/json" },
      '{"code":404,"message":"no route"}')
    return
  end
  local meta = handle:streamInfo():dynamicMetadata()
  if (headers:get("content-type") or ""):match("^application/grpc") then
    -- A raw gRPC call: its answer (grpc-status included) goes back untouched.
    meta:set("vigil", "grpc", "1")
  end
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
  -- The host the client addressed, for absolute URLs in answers (FindFace
  -- `screenshot`, `next_page`); gRPC servers do not see `:authority`.
  headers:replace("vigil-host", headers:get(":authority") or "")
  local method = headers:get(":method")
  local ctype = string.lower(headers:get("content-type") or "")
  local length = tonumber(headers:get("content-length") or "")
  -- Upload bodies (multipart chunks, raw video files) stream through to the
  -- service as they arrive and are never read here, whatever their type.
  local upload = path:match("/videos/upload$") or path:match("/upload/source_file$")
  if not upload and (method == "POST" or method == "PUT" or method == "PATCH" or method == "DELETE")
      and length and length > 0 and length <= MAX_JSON_COPY
      and (ctype == "" or ctype:find("json", 1, true) or ctype:find("x-www-form-urlencoded", 1, true)) then
    local body = handle:body()
    if body then
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
    if unrouted and VIGIL_LISTENER ~= "rest" then
      -- No route at all: the listener's own family answers, not the path's.
      fam = VIGIL_LISTENER
    end
    if fam == "gaard" then
      -- Gaard's own code for a malformed request (services/classification/errors.py),
      -- not LUNA's 12012; other statuses print as the code.
      code = status == 400 and 1000 or nil
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
