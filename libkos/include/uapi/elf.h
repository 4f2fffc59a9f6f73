/* ELF64 structures and constants (System V gABI, x86-64 psABI). */
#ifndef UAPI_ELF_H
#define UAPI_ELF_H

#include <uapi/types.h>

#define EI_NIDENT 16
#define ELFMAG "\177ELF"
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62

struct elf64_ehdr {
	unsigned char e_ident[EI_NIDENT];
	__u16 e_type;
	__u16 e_machine;
	__u32 e_version;
	__u64 e_entry;
	__u64 e_phoff;
	__u64 e_shoff;
	__u32 e_flags;
	__u16 e_ehsize;
	__u16 e_phentsize;
	__u16 e_phnum;
	__u16 e_shentsize;
	__u16 e_shnum;
	__u16 e_shstrndx;
};

struct elf64_phdr {
	__u32 p_type;
	__u32 p_flags;
	__u64 p_offset;
	__u64 p_vaddr;
	__u64 p_paddr;
	__u64 p_filesz;
	__u64 p_memsz;
	__u64 p_align;
};

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551

struct elf64_shdr {
	__u32 sh_name;
	__u32 sh_type;
	__u64 sh_flags;
	__u64 sh_addr;
	__u64 sh_offset;
	__u64 sh_size;
	__u32 sh_link;
	__u32 sh_info;
	__u64 sh_addralign;
	__u64 sh_entsize;
};

struct elf64_sym {
	__u32 st_name;
	__u8 st_info;
	__u8 st_other;
	__u16 st_shndx;
	__u64 st_value;
	__u64 st_size;
};

#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHF_EXECINSTR 0x4
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define STT_NOTYPE 0
#define STT_FUNC 2
#define ELF_ST_TYPE(info) ((info)&0xf)

#define PF_X 0x1
#define PF_W 0x2
#define PF_R 0x4

/* Auxiliary vector types. */
#define AT_NULL 0
#define AT_IGNORE 1
#define AT_EXECFD 2
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_NOTELF 10
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_BASE_PLATFORM 24
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ 51

#endif
