/*
 * KOS UEFI stub: the boot sequence.
 *
 *  1. validate the embedded kernel ELF
 *  2. command line: the image's load options, else \KOS\CMDLINE on the
 *     ESP, else the default embedded at build time
 *  3. initramfs: \KOS\INITRD on the ESP, else the embedded one
 *  4. load the kernel image into OS-loader memory (KOS_EFI_MEMTYPE),
 *     with the boot stack, the bootinfo and the strings it points to,
 *     the page tables and an initrd read from the ESP; the embedded
 *     kernel ELF file (for its symbols) and initrd are used in place,
 *     and the stub's image holding them is reported reserved
 *  5. ExitBootServices, convert the memory map, jump (memmap.c)
 *
 * All progress and errors go to the UEFI console before step 5; after it
 * the stub prints nothing.  On any error the stub returns to the firmware.
 */
#include "stub.h"

#include <kos/cmdline.h>

static const CHAR16 cmdline_path[] = L"\\KOS\\CMDLINE";
static const CHAR16 initrd_path[] = L"\\KOS\\INITRD";

/* The block that holds the bootinfo and the strings it points to. */
struct bootdata {
	struct kos_bootinfo bi;
	char platform[8];
	char cmdline[CMDLINE_MAX];
};

/*
 * Eight bytes at a time: the stub clears and copies the kernel (about
 * 2 MB in all) and, under QEMU's TCG, byte loops took over 10 ms of
 * every boot.  A plain quadword loop measured 5-10 ms on a loaded host;
 * REP MOVSQ/STOSQ anywhere from 2 to 39 ms (TCG ends its translated
 * block at every iteration of a REP string instruction).  Much of what
 * is left is the first touch of each page in QEMU's software TLB.
 */
void stub_memset(void *dst, int c, uint64_t n)
{
	uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
	unsigned char *d = dst;

	for (; n >= 8; n -= 8, d += 8)
		__builtin_memcpy(d, &v, 8);
	while (n--)
		*d++ = (unsigned char)c;
}

void stub_memcpy(void *dst, const void *src, uint64_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	uint64_t v;

	for (; n >= 8; n -= 8, d += 8, s += 8) {
		__builtin_memcpy(&v, s, 8);
		__builtin_memcpy(d, &v, 8);
	}
	while (n--)
		*d++ = *s++;
}

/*
 * Allocate pages of KOS_EFI_MEMTYPE for bytes bytes, uncleared.  Returns
 * a pointer (== physical address under UEFI's identity map) and stores
 * the physical address in *phys, or returns NULL.
 */
void *stub_alloc_raw(uint64_t bytes, uint64_t *phys)
{
	EFI_PHYSICAL_ADDRESS pa = 0;
	UINTN pages = (bytes + 4095) / 4096;
	EFI_STATUS st;

	if (pages == 0)
		pages = 1;
	st = BS->AllocatePages(AllocateAnyPages, KOS_EFI_MEMTYPE, pages, &pa);
	if (EFI_ERROR(st)) {
		Print(L"KOS stub: cannot allocate %lu pages: %r\n",
		      (UINT64)pages, st);
		return NULL;
	}
	*phys = pa;
	return (void *)pa;
}

/* The same, cleared. */
void *stub_alloc(uint64_t bytes, uint64_t *phys)
{
	void *p = stub_alloc_raw(bytes, phys);

	if (p)
		stub_memset(p, 0, (bytes + 4095) / 4096 * 4096 ?: 4096);
	return p;
}

static uint64_t kib(uint64_t bytes)
{
	return (bytes + 1023) / 1024;
}

/* Open the root of the file system the stub was loaded from, or NULL. */
static EFI_FILE_HANDLE esp_root(EFI_LOADED_IMAGE *li)
{
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_FILE_HANDLE root;

	if (!li || !li->DeviceHandle)
		return NULL;
	if (EFI_ERROR(BS->HandleProtocol(li->DeviceHandle,
					 &gEfiSimpleFileSystemProtocolGuid,
					 (void **)&fs)))
		return NULL;
	if (EFI_ERROR(fs->OpenVolume(fs, &root)))
		return NULL;
	return root;
}

/*
 * Read file path from root into fresh memory: pool memory if oem is 0,
 * else KOS_EFI_MEMTYPE pages (*phys gets their address).  Returns the
 * buffer and its size in *size, or NULL if the file is absent or
 * unreadable (an unreadable file is reported).  An empty file yields a
 * non-NULL buffer of size 0.
 */
static void *esp_read(EFI_FILE_HANDLE root, const CHAR16 *path, int oem,
		      uint64_t *size, uint64_t *phys)
{
	UINT64 info_buf[(SIZE_OF_EFI_FILE_INFO + 512) / 8];
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;
	UINTN info_size = sizeof(info_buf), n;
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;
	uint8_t *buf = NULL;
	uint64_t done = 0;

	if (!root)
		return NULL;
	st = root->Open(root, &fh, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return NULL;
	st = fh->GetInfo(fh, &gEfiFileInfoGuid, &info_size, info);
	if (EFI_ERROR(st))
		goto out_err;
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		st = EFI_INVALID_PARAMETER;
		goto out_err;
	}
	*size = info->FileSize;
	if (oem) {
		buf = stub_alloc(*size, phys);
		if (!buf)
			goto out_close;
	} else {
		st = BS->AllocatePool(EfiLoaderData, *size + 1, (void **)&buf);
		if (EFI_ERROR(st))
			goto out_err;
	}
	while (done < *size) {
		n = *size - done;
		st = fh->Read(fh, &n, buf + done);
		if (EFI_ERROR(st))
			goto out_err;
		if (n == 0) { /* file shrank under us */
			*size = done;
			break;
		}
		done += n;
	}
	fh->Close(fh);
	return buf;

out_err:
	Print(L"KOS stub: cannot read %s: %r\n", path, st);
out_close:
	fh->Close(fh);
	return NULL; /* the pages/pool are left to the firmware */
}

/*
 * Append bytes to the ASCII command line dst (CMDLINE_MAX bytes): control
 * characters become spaces; the result is NUL terminated and stripped of
 * leading and trailing blanks.  Stops at the first NUL or when full.
 */
static void cmdline_from_bytes(char *dst, const uint8_t *src, uint64_t n)
{
	uint64_t i, len = 0;

	for (i = 0; i < n && src[i] && len < CMDLINE_MAX - 1; i++) {
		char c = src[i] < 0x20 || src[i] == 0x7f ? ' ' : (char)src[i];

		if (c == ' ' && len == 0)
			continue;
		dst[len++] = c;
	}
	while (len > 0 && dst[len - 1] == ' ')
		len--;
	dst[len] = '\0';
}

/*
 * The command line from UCS-2 load options.  Binary load options (a boot
 * entry's optional data) are ignored: anything with a character that is
 * neither printable ASCII nor blank makes the options count as absent.
 * If the first word names an .efi file (the UEFI shell passes argv[0]),
 * it is skipped.  Returns 1 if dst was set.
 */
static int cmdline_from_options(char *dst, const CHAR16 *opt, UINT32 bytes)
{
	uint8_t ascii[CMDLINE_MAX];
	UINT32 n = bytes / 2, i, len = 0, first_end;

	for (i = 0; i < n && opt[i] && len < sizeof(ascii); i++) {
		CHAR16 c = opt[i];

		if (c > 0x7e ||
		    (c < 0x20 && c != '\t' && c != '\r' && c != '\n'))
			return 0;
		ascii[len++] = (uint8_t)c;
	}
	for (i = 0; i < len && ascii[i] == ' '; i++)
		;
	for (first_end = i; first_end < len && ascii[first_end] != ' ';
	     first_end++)
		;
	if (first_end - i >= 4) {
		const uint8_t *e = &ascii[first_end - 4];

		if (e[0] == '.' && (e[1] | 0x20) == 'e' &&
		    (e[2] | 0x20) == 'f' && (e[3] | 0x20) == 'i')
			i = first_end;
	}
	cmdline_from_bytes(dst, ascii + i, len - i);
	return dst[0] != '\0';
}

static int leap_year(unsigned int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* An EFI_TIME as ns since the Unix epoch (UTC); 0 if invalid. */
static uint64_t efi_time_ns(const EFI_TIME *t)
{
	static const uint16_t mdays[12] = { 31, 28, 31, 30, 31, 30,
					    31, 31, 30, 31, 30, 31 };
	uint64_t days = 0;
	unsigned int y, mo;
	int64_t s;

	if (t->Year < 1970 || t->Year > 9999 || t->Month < 1 || t->Month > 12 ||
	    t->Day < 1 || t->Day > 31 || t->Hour > 23 || t->Minute > 59 ||
	    t->Second > 59)
		return 0;
	for (y = 1970; y < t->Year; y++)
		days += leap_year(y) ? 366 : 365;
	for (mo = 1; mo < t->Month; mo++)
		days += mdays[mo - 1] + (mo == 2 && leap_year(t->Year));
	days += t->Day - 1;
	s = (int64_t)(days * 86400 + t->Hour * 3600 + t->Minute * 60 +
		      t->Second);
	/* UEFI: local time = UTC - TimeZone (in minutes) */
	if (t->TimeZone != EFI_UNSPECIFIED_TIMEZONE && t->TimeZone >= -1440 &&
	    t->TimeZone <= 1440)
		s += (int64_t)t->TimeZone * 60;
	if (s < 0)
		return 0;
	return (uint64_t)s * 1000000000ULL +
	       (t->Nanosecond < 1000000000 ? t->Nanosecond : 0);
}

static int guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	const uint8_t *x = (const void *)a, *y = (const void *)b;
	unsigned int i;

	for (i = 0; i < sizeof(EFI_GUID); i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

/* Physical address of the ACPI RSDP (2.0 preferred), or 0. */
static uint64_t find_rsdp(void)
{
	static const EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
	static const EFI_GUID acpi10 = ACPI_TABLE_GUID;
	uint64_t v1 = 0;
	UINTN i;

	for (i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *ct = &ST->ConfigurationTable[i];

		if (guid_eq(&ct->VendorGuid, &acpi20))
			return (uint64_t)ct->VendorTable;
		if (guid_eq(&ct->VendorGuid, &acpi10))
			v1 = (uint64_t)ct->VendorTable;
	}
	return v1;
}

static int cpu_has_nx(void)
{
	uint32_t a, b, c, d;

	__asm__ __volatile__("cpuid"
			     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"(0x80000000));
	if (a < 0x80000001)
		return 0;
	__asm__ __volatile__("cpuid"
			     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"(0x80000001));
	return (d >> 20) & 1;
}

static int cpu_la57(void)
{
	uint64_t cr4;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
	return (cr4 >> 12) & 1;
}

/* Set bd->cmdline from the load options, the ESP or the embedded default. */
static void choose_cmdline(struct bootdata *bd, EFI_LOADED_IMAGE *li,
			   EFI_FILE_HANDLE root)
{
	uint64_t size = 0, pa;
	uint8_t *file;

	if (li && li->LoadOptionsSize >= 2 &&
	    cmdline_from_options(bd->cmdline, li->LoadOptions,
				 li->LoadOptionsSize)) {
		Print(L"KOS stub: command line from load options\n");
		return;
	}
	file = esp_read(root, cmdline_path, 0, &size, &pa);
	if (file) {
		if (size >= 2 && file[0] == 0xff && file[1] == 0xfe)
			cmdline_from_options(bd->cmdline,
					     (const CHAR16 *)(file + 2),
					     (UINT32)(size - 2));
		else
			cmdline_from_bytes(bd->cmdline, file, size);
		BS->FreePool(file);
		Print(L"KOS stub: command line from %s\n", cmdline_path);
		return;
	}
	cmdline_from_bytes(bd->cmdline, kos_payload_cmdline,
			   kos_payload_cmdline_end - kos_payload_cmdline);
}

/* Set bi->initrd from the ESP or the embedded archive (in OEM memory). */
static EFI_STATUS choose_initrd(struct kos_bootinfo *bi, EFI_FILE_HANDLE root,
				const CHAR16 **from)
{
	uint64_t size = 0, pa = 0;
	void *p;

	p = esp_read(root, initrd_path, 1, &size, &pa);
	if (p) {
		*from = initrd_path;
	} else {
		/* used in place: the stub's image stays reserved (efi_map) */
		*from = L"embedded";
		size = kos_payload_initrd_end - kos_payload_initrd;
		pa = (uint64_t)kos_payload_initrd;
	}
	if (size) {
		bi->initrd = (const void *)DMAP(pa);
		bi->initrd_size = size;
	}
	return EFI_SUCCESS;
}

/* The time stamp counter (the kernel's clock source and the user's). */
static inline uint64_t stub_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	/*
	 * When the firmware handed over: printed below, so that a boot's
	 * "firmware to the app's main" time can be measured in TSC ticks
	 * (scripts/bench-apps; the kernel logs the TSC's rate).
	 */
	uint64_t tsc_entry = stub_rdtsc();
	uint64_t ksize = kos_payload_kernel_end - kos_payload_kernel;
	uint64_t bd_pa, kern_pa, stack_pa;
	EFI_LOADED_IMAGE *li = NULL;
	const CHAR16 *initrd_from;
	struct bootdata *bd;
	struct efi_map map;
	EFI_FILE_HANDLE root;
	struct kimage ki;
	EFI_TIME now;
	const char *why;
	EFI_STATUS st;
	void *kern;
	int nx;

	InitializeLib(image, systab);
	BS->SetWatchdogTimer(0, 0, 0, NULL);

	why = elf_check(&ki, kos_payload_kernel, ksize);
	if (why) {
		Print(L"KOS stub: bad kernel image: %a\n", why);
		return EFI_LOAD_ERROR;
	}
	if (cpu_la57()) {
		Print(L"KOS stub: 5-level paging is active; unsupported\n");
		return EFI_UNSUPPORTED;
	}
	nx = cpu_has_nx();

	bd = stub_alloc(sizeof(*bd), &bd_pa);
	if (!bd)
		return EFI_OUT_OF_RESOURCES;
	stub_memcpy(bd->platform, "x86_64", 7);
	bd->bi.platform = (const char *)DMAP(
		bd_pa + __builtin_offsetof(struct bootdata, platform));
	bd->bi.cmdline = (const char *)DMAP(
		bd_pa + __builtin_offsetof(struct bootdata, cmdline));

	BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	root = esp_root(li);
	choose_cmdline(bd, li, root);
	st = choose_initrd(&bd->bi, root, &initrd_from);
	if (EFI_ERROR(st))
		return st;
	if (root)
		root->Close(root);

	Print(L"KOS stub: loading kernel (%lu KiB), initrd (%lu KiB, %s)\n",
	      kib(ksize), kib(bd->bi.initrd_size), initrd_from);
	Print(L"KOS stub: command line: \"%a\"\n", bd->cmdline);

	/*
	 * The ELF file itself, for the kernel's symbol table: in place, in
	 * the stub's image, which stays reserved (efi_map's keep range).
	 */
	bd->bi.kernel_elf = (const void *)DMAP((uint64_t)kos_payload_kernel);
	bd->bi.kernel_elf_size = ksize;
	bd->bi.kernel_load_bias = 0;

	kern = stub_alloc_raw(ki.vmax - ki.cmin, &kern_pa);
	if (!kern)
		return EFI_OUT_OF_RESOURCES;
	elf_load(&ki, kern);

	if (!stub_alloc(KOS_BOOT_STACK_SIZE, &stack_pa))
		return EFI_OUT_OF_RESOURCES;

	if (!EFI_ERROR(RT->GetTime(&now, NULL)))
		bd->bi.boot_wallclock_ns = efi_time_ns(&now);
	bd->bi.acpi_rsdp = find_rsdp();

	/* page tables: size the direct map from the current map */
	st = efi_map_alloc(&map);
	map.keep_base = (uint64_t)kos_payload_kernel & ~4095ULL;
	map.keep_end = ((uint64_t)kos_payload_cmdline_end + 4095) & ~4095ULL;
	if (!EFI_ERROR(st))
		st = efi_map_read(&map);
	if (EFI_ERROR(st)) {
		Print(L"KOS stub: cannot read the memory map: %r\n", st);
		return st;
	}
	st = mmu_init(efi_map_phys_end(&map), ki.vmax - ki.vmin, nx);
	if (EFI_ERROR(st)) {
		Print(L"KOS stub: cannot build page tables: %r\n", st);
		return st;
	}
	mmu_map_direct();
	if (elf_map(&ki, kern_pa, (uint64_t)kos_payload_kernel)) {
		Print(L"KOS stub: page-table pool exhausted\n");
		return EFI_OUT_OF_RESOURCES;
	}

	Print(L"KOS stub: TSC at entry %lu\n", tsc_entry);
	Print(L"KOS stub: entering kernel at 0x%lx\n", ki.entry);
	st = exit_boot_services(image, &map);
	if (EFI_ERROR(st)) {
		/* the console may be gone already; try anyway */
		Print(L"KOS stub: ExitBootServices failed: %r\n", st);
		return st;
	}
	__asm__ __volatile__("cli" ::: "memory");
	bootinfo_set_memory(&bd->bi, &map);
	handoff(mmu_root(), DMAP(stack_pa + KOS_BOOT_STACK_SIZE), DMAP(bd_pa),
		ki.entry, nx);
}
