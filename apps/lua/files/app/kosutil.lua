-- kosutil: a module main.lua loads with require, from the same folder
-- (/app in the image).  Small helpers plus a counter that shows the
-- module is loaded once.
local M = {}

M.loads = (M.loads or 0) + 1

-- A table's keys, sorted (numbers before strings, then by value).
function M.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    return a < b
  end)
  return keys
end

-- A value as text, tables with sorted keys, so output is deterministic.
function M.show(v)
  if type(v) ~= "table" then
    return type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  local parts = {}
  for _, k in ipairs(M.sorted_keys(v)) do
    parts[#parts + 1] = tostring(k) .. "=" .. M.show(v[k])
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- An error message without the script's folder ("/app/x.lua:3:" and
-- "apps/lua/files/app/x.lua:3:" both become "x.lua:3:").
function M.strip(msg)
  return (tostring(msg):gsub("[^%s:]*/([%w_]+%.lua:)", "%1"))
end

return M
