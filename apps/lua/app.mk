# lua: the Lua 5.4 interpreter from Debian's lua5.4 source package,
# unmodified, running /app/main.lua (apps/lua/README.md).  See
# apps/module.mk.
#
#   build/lua5.4/src            the package's tree, Debian's patches applied
#                               (apps/lua/fetch; cached, offline once there)
#   build/apps/lua/obj/*.o      lua.c and Lua's core and library sources,
#                               compiled here with our own rules (Lua's own
#                               Makefile, after Debian's patch, wants libtool
#                               and a shared liblua)
#   build/apps/lua/gen/         lua5.4-deb-multiarch.h, the one header
#                               Debian's rules generate before building
#   build/apps/lua/lua          the interpreter, static, musl (process mode)
#   build/apps/lua/linked/lua-obj/*.o  the same sources compiled with
#                               linked mode's ABI flags (LINKED_ABI_CFLAGS:
#                               musl's headers, no red zone...), which
#                               apps/mode-linked.mk links into the kernel
#                               (APP_lua_LINKED_OBJS)
#
# The flags are Debian's (debian/rules: make linux-readline, CC='gcc
# -std=gnu99'): -DLUA_COMPAT_5_3 -DLUA_USE_LINUX, without readline
# (lua.c then reads its interactive lines with fgets: lua -i still works
# on the console, without line editing).
# In linked mode io.popen and os.execute fail with ENOSYS (no fork):
# main.lua leaves them out.
LUA_TREE := $(BUILD)/lua5.4/src
LUA_OBJDIR := $(BUILD)/apps/lua/obj
LUA_LINKED_OBJDIR := $(BUILD)/apps/lua/linked/lua-obj
LUA_GEN := $(BUILD)/apps/lua/gen
# The interpreter's sources (Lua's Makefile: CORE_O, LIB_O and LUA_O).
LUA_CORE := lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem \
	lobject lopcodes lparser lstate lstring ltable ltm lundump lvm lzio
LUA_LIBS := lauxlib lbaselib lcorolib ldblib liolib lmathlib loadlib \
	loslib lstrlib ltablib lutf8lib linit
LUA_SRCS := $(patsubst %,$(LUA_TREE)/src/%.c,$(LUA_CORE) $(LUA_LIBS) lua)
LUA_CFLAGS := -std=gnu99 -DLUA_COMPAT_5_3 -DLUA_USE_LINUX -I$(LUA_GEN)
# The host's Debian amd64 value: the C module path the oracle
# (/usr/bin/lua5.4) has too.
LUA_MULTIARCH := x86_64-linux-gnu

APP_lua_BIN := $(BUILD)/apps/lua/lua
APP_lua_FILES := $(APP_DIR)/files
APP_lua_CMDLINE := init=/app/lua panic=poweroff loglevel=4 -- /app/main.lua
APP_lua_MODES := process linked
APP_lua_LINKED_OBJS := $(patsubst $(LUA_TREE)/src/%.c,$(LUA_LINKED_OBJDIR)/%.o,$(LUA_SRCS))

# The tree, fetched once (every source is made by this one rule).
$(LUA_SRCS) $(LUA_TREE)/src/luaconf.h &: apps/lua/fetch | $(DEPS_STAMP)
	@echo "  FETCH   $(LUA_TREE)"
	$(Q)KOS_BUILD=$(BUILD) apps/lua/fetch >/dev/null
	$(Q)touch $(LUA_SRCS)

$(LUA_GEN)/lua5.4-deb-multiarch.h: apps/lua/app.mk
	@mkdir -p $(@D)
	$(Q)printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
		$(LUA_MULTIARCH) > $@

$(LUA_OBJDIR)/%.o: $(LUA_TREE)/src/%.c $(LUA_GEN)/lua5.4-deb-multiarch.h \
		apps/lua/app.mk | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  MUSL    $@"
	$(Q)musl-gcc -O2 -g -Wall $(LUA_CFLAGS) -MMD -MP -c $< -o $@

$(LUA_LINKED_OBJDIR)/%.o: $(LUA_TREE)/src/%.c \
		$(LUA_GEN)/lua5.4-deb-multiarch.h $(MUSL_LIBC) apps/lua/app.mk
	@mkdir -p $(@D)
	@echo "  LINKCC  $@"
	$(Q)$(CC) $(LINKED_ABI_CFLAGS) -O2 -g -Wall $(LUA_CFLAGS) -MMD -MP \
		-c $< -o $@

$(APP_lua_BIN): $(patsubst $(LUA_TREE)/src/%.c,$(LUA_OBJDIR)/%.o,$(LUA_SRCS))
	@echo "  MUSL    $@"
	$(Q)musl-gcc -static -o $@ $^ -lm

-include $(wildcard $(LUA_OBJDIR)/*.d $(LUA_LINKED_OBJDIR)/*.d)
