-- main.lua: the script KOS's lua app runs (apps/lua/README.md).
--
--   lua /app/main.lua [STATUS [WORD...]]
--
-- Exercises the language and the standard library, prints only what is
-- the same on every run and every system (no addresses, times, pids or
-- paths), and exits with STATUS (default 0).  scripts/check-apps compares
-- its output with the host's /usr/bin/lua5.4 running this same file.

-- The folder of this script, for require (/app in the image).
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local U = require("kosutil")
local show, strip = U.show, U.strip

local function section(name) print("== " .. name) end

section("args")
local status = tonumber(arg[1] or "0")
print("argc", #arg, "status", status)
for i = 2, #arg do print("word", i - 1, arg[i]) end

section("strings")
local s = "The quick brown fox jumps over the lazy dog"
print(#s, s:upper(), s:lower():sub(5, 9), s:sub(-3))
print(s:find("fox"), s:find("o", 15, true), s:match("(%a+) dog$"))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, ","))
print((s:gsub("%w+", function(w) return #w > 4 and w:reverse() or nil end)))
print(s:gsub("o", "0", 2))
print(("key = value; other=42"):match("^(%w+)%s*=%s*(%w+)"))
print(string.rep("ab", 3, "-"), ("x"):byte(), string.char(72, 105))
print(string.format("%q", 'a "quoted"\n\0 string'))
print(string.format("[%5s][%-5s][%05d][%x][%X][%o][%c]", "ab", "cd", 42,
  255, 255, 8, 65))
print(("%d items at %s"):format(3, "home"), ("a,b,,c"):find(",,"))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|", ("%bxy"):len(),
  ("f(a(b)c)d"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+%f[%A]"))

section("tables")
local t = {5, 3, 8, 1, 9, 2, 7}
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
table.insert(t, 1, 0)
table.insert(t, 100)
print(table.remove(t), table.remove(t, 1), #t, table.concat(t, " ", 2, 4))
print(select("#", table.unpack({1, nil, 3}, 1, 3)), table.unpack({1, 2, 3}))
local people = {
  {name = "ada", age = 36}, {name = "bob", age = 25},
  {name = "cyd", age = 36}, {name = "dan", age = 19},
}
table.sort(people, function(a, b)
  if a.age ~= b.age then return a.age > b.age end
  return a.name < b.name
end)
for i, p in ipairs(people) do io.write(i, ".", p.name, "(", p.age, ") ") end
print()
print(show({x = 1, y = {2, 3}, [10] = "ten", z = true}))
local moved = table.move({1, 2, 3, 4, 5}, 2, 4, 1, {})
print(show(moved), #table.pack(1, nil, 3), table.pack(1, nil, 3).n)
local count = 0
for _ in pairs({a = 1, b = 2, c = 3, 4, 5}) do count = count + 1 end
print("pairs", count, "next", next({}))

section("numbers")
print(7 // 2, 7 / 2, -7 // 2, 7 % 3, -7 % 3, 7 % -3, 7.5 // 2, 2^10)
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
print(1e15, 1e16, 2^53, 2^63, -0.0, 100 // 1e0, 3 | 5, 6 & 3, 1 << 62, ~0)
print(math.type(1), math.type(1.0), math.type("1"), math.tointeger(3.0),
  math.tointeger(3.5), 10 == 10.0, "10" + 1, "3.0" * 2, 10 .. "")
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-4), math.max(1, 9, 4),
  math.min(2.5, -1), math.fmod(7, 3), math.fmod(-7, 3))
print(math.pi, math.sqrt(2), math.huge, -math.huge, math.sin(0), math.exp(1))
local nan = 0 / 0
print("nan ~= nan", nan ~= nan, math.ult(1, -1), tonumber("0x1p4"),
  tonumber("ff", 16), tonumber("  12  "), tonumber("z", 36), tonumber("1e"))
print(string.format("%.3f %10.4f %-8.2f| %e %.2E %g %g %g", math.pi, -math.pi,
  2.5, 12345.678, 0.000123, 1e20, 0.1, 100000))
print(string.format("%5.1f%% %d %s %i", 99.44, 3.0, 1.5, -12))
print(0.1 + 0.2, 0.1 + 0.2 == 0.3, 1 / 3, 123456789012 * 1000, 5 // 0.0)
math.randomseed(42)
local r = {}
for i = 1, 5 do r[i] = math.random(1, 100) end
print("random", table.concat(r, " "), math.random(0) ~= nil)
local sum = 0
for i = 1, 100000 do sum = sum + i * i % 7 end
print("sum", sum)

section("closures")
local function counter(step)
  local n = 0
  return function() n = n + step; return n end
end
local c1, c2 = counter(1), counter(10)
c1(); c1(); c2()
print(c1(), c2())
local adders = {}
for i = 1, 3 do adders[i] = function(x) return x + i end end
print(adders[1](10), adders[2](10), adders[3](10))
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib(20)", fib(20))
local function vararg(...)
  local a, b = ...
  return select("#", ...), a, b, select(-1, ...)
end
print(vararg("x", "y", nil, "z"))

section("coroutines")
local gen = coroutine.wrap(function(a, b)
  for i = a, b do coroutine.yield(i * i) end
  return "done"
end)
print(gen(1, 4), gen(), gen(), gen(), gen())
local co = coroutine.create(function(x)
  local y = coroutine.yield(x + 1)
  local z = coroutine.yield(y * 2)
  error("boom " .. z)
end)
print(coroutine.resume(co, 1))
print(coroutine.resume(co, 10))
local ok, err = coroutine.resume(co, "z")
print(ok, strip(err), coroutine.status(co))
print(coroutine.resume(co))
print(coroutine.isyieldable(), coroutine.running() ~= nil)
local function producer()
  return coroutine.create(function()
    for _, w in ipairs({"alpha", "beta", "gamma"}) do coroutine.yield(w) end
  end)
end
local p, got = producer(), {}
while true do
  local _, v = coroutine.resume(p)
  if v == nil then break end
  got[#got + 1] = v:upper()
end
print(table.concat(got, "+"), coroutine.status(p))
print(coroutine.close(coroutine.create(function() end)))

section("metatables")
local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
Vec.__add = function(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
Vec.__mul = function(a, k) return Vec.new(a.x * k, a.y * k) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__lt = function(a, b) return a:len2() < b:len2() end
Vec.__le = function(a, b) return a:len2() <= b:len2() end
Vec.__len = function(a) return 2 end
Vec.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end
Vec.__call = function(a, k) return a.x * k end
function Vec:len2() return self.x * self.x + self.y * self.y end
local v1, v2 = Vec.new(1, 2), Vec.new(3, 4)
print(tostring(v1 + v2), tostring(v1 * 3), v1 == Vec.new(1, 2), v1 < v2,
  v2 <= v1, #v1, v1 .. v2, v1(10))
local defaults = setmetatable({}, {__index = function(_, k) return k .. "?" end})
print(defaults.color, rawget(defaults, "color"))
local log = {}
local proxy = setmetatable({}, {__newindex = function(t, k, v)
  log[#log + 1] = k; rawset(t, k, v * 2)
end})
proxy.a = 1; proxy.b = 2; proxy.a = 5
print(proxy.a, proxy.b, table.concat(log, ","))
local ro = setmetatable({}, {__index = {x = 1}, __metatable = "locked"})
print(ro.x, getmetatable(ro), pcall(setmetatable, ro, {}))
local closed = {}
do
  local res <close> = setmetatable({}, {__close = function() closed[1] = "closed" end})
  local k <const> = 5
  print("in block", k, closed[1])
end
print("after block", closed[1])
local weak = setmetatable({}, {__mode = "k"})
weak[{}] = 1
collectgarbage()
print("weak entries", next(weak) == nil, collectgarbage("count") > 0)

section("errors")
print(pcall(error, "plain"))
print(show({pcall(error, {code = 42})}))
local ok2, e2 = pcall(function() error("with position") end)
print(ok2, strip(e2))
local ok3, e3 = pcall(function() local x = nil; return x.field end)
print(ok3, strip(e3))
print(pcall(error))
print(select(2, pcall(error, setmetatable({}, {__tostring = function()
  return "custom error" end}))))
print(xpcall(function() error("deep", 0) end,
  function(m) return "handled: " .. m end))
local ok4, e4 = pcall(function() return 1 + {} end)
print(ok4, strip(e4))
print(pcall(string.rep))
print(select("#", pcall(function() return 1, 2, 3 end)))
local function checked(n)
  if type(n) ~= "number" then error({msg = "not a number", got = type(n)}) end
  return n * 2
end
local ok5, e5 = pcall(checked, "x")
print(ok5, show(e5))
print(load("return 6 * 7")(), load("syntax error here"))
print(assert(1 == 1, "fine"), pcall(assert, false, "assertion text"))
print(tostring(nil), tostring(true), tonumber(nil ~= false and "8"))

section("modules")
local U2 = require("kosutil")
print(U2 == U, U.loads, package.loaded.kosutil == U, type(package.searchers))
print(pcall(require, "no.such.module") == false)

section("io")
local name = os.tmpname()
print("tmpname in /tmp", name:sub(1, 5) == "/tmp/")
local f = assert(io.open(name, "w"))
print(io.type(f), io.type(io.stdout), io.type(42))
f:write("line one\n", "line two\n", 3, " ", 4.5, "\n")
f:write(string.format("%d %s\n", 99, "bottles"))
f:close()
print(io.type(f))
for l in io.lines(name) do io.write("[", l, "] ") end
print()
f = assert(io.open(name, "r"))
print(f:read("l"), f:read("L"), f:read("n"), f:read("n"), f:read("a"))
print(f:seek("set", 5), f:read(3), f:seek("cur"), f:seek("end"))
f:close()
f = assert(io.open(name, "a+"))
f:write("appended\n")
f:seek("set")
local all = f:read("a")
f:close()
print(#all, select(2, all:gsub("\n", "")))
local nums = 0
for a, b in io.lines(name, 4, "l") do nums = nums + 1 end
print("chunks", nums)
print(io.open("/nonexistent/file") == nil, select(3, io.open("/nonexistent/file")))
print(os.remove(name), io.open(name) == nil, select(3, os.remove(name)))
print(os.rename("/nonexistent/a", "/nonexistent/b") == nil)
io.stdout:write("stdout:write ", 1, " ", 2.5, "\n")
io.write(string.format("%s\n", "io.write"))

section("os")
print(os.time({year = 2000, month = 1, day = 1, hour = 0}),
  os.time({year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15}))
print(os.date("!%Y-%m-%d %H:%M:%S", 0), os.date("!%A %B %j", 86400 * 59))
local d = os.date("!*t", 951782400)
print(d.year, d.month, d.day, d.wday, d.yday, d.isdst)
print(type(os.time()), os.time() > 1500000000, type(os.clock()), os.clock() >= 0)
print(os.difftime(10, 4), os.getenv("HOME"), os.getenv("TERM"),
  os.getenv("KOS_NO_SUCH_VAR"))
local t0 = os.clock()
local x = 0
for i = 1, 200000 do x = x + math.sin(i) end
print("clock advances", os.clock() >= t0)

section("exit")
print("exiting with status " .. status)
os.exit(status)
