/* elf_arch.c -- see elf_arch.h. */
#include "config.h"
#include "elf_arch.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The machine this runtime was compiled for: the compiler knows it, and it
 * stays right under qemu-user, where /proc and auxv describe the emulator. */
#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#else
#define HOST_MACHINE EM_NONE
#endif
#define HOST_CLASS (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)

/* Each machine with its name (as `uname -m` says it) and the container
 * platform to build for it. */
static const struct {
    unsigned machine;
    const char *name, *platform;
} machines[] = {
    {EM_X86_64, "x86_64", "linux/amd64"},   {EM_AARCH64, "aarch64", "linux/arm64"},
    {EM_386, "i386", "linux/386"},          {EM_ARM, "arm", "linux/arm/v7"},
    {EM_RISCV, "riscv64", "linux/riscv64"}, {EM_PPC64, "ppc64le", "linux/ppc64le"},
    {EM_S390, "s390x", "linux/s390x"},
};

static int machine_index(unsigned machine)
{
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
        if (machines[i].machine == machine)
            return (int)i;
    return -1;
}

static const char *machine_name(unsigned machine)
{
    int i = machine_index(machine);
    return i < 0 ? NULL : machines[i].name;
}

/* Read e_ident and e_machine (at the same offset in both ELF classes), in
 * the file's own byte order.  Returns 0, or -1 if not an ELF file. */
static int read_header(const char *path, unsigned *machine, int *elfclass)
{
    unsigned char h[EI_NIDENT + 4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n != (ssize_t)sizeof h || memcmp(h, ELFMAG, SELFMAG) != 0)
        return -1;
    const unsigned char *m = h + EI_NIDENT + 2; /* after e_type */
    *machine =
        h[EI_DATA] == ELFDATA2MSB ? (unsigned)(m[0] << 8 | m[1]) : (unsigned)(m[1] << 8 | m[0]);
    *elfclass = h[EI_CLASS];
    return 0;
}

int elf_arch_mismatch(const char *path, char *buf, size_t size)
{
    unsigned machine;
    int elfclass;
    if (HOST_MACHINE == EM_NONE || read_header(path, &machine, &elfclass) < 0)
        return 0;
    if (machine == HOST_MACHINE && elfclass == HOST_CLASS)
        return 0;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *name = machine_name(machine);
    int host = machine_index(HOST_MACHINE);
    snprintf(buf, size,
             "%s is built for %s (ELF machine %u, %s) but this runtime is %s (ELF machine %u, "
             "%s): rebuild it for %s (the SDK stage for --platform %s, or a cross compiler)",
             base, name ? name : "another architecture", machine,
             elfclass == ELFCLASS64   ? "64-bit"
             : elfclass == ELFCLASS32 ? "32-bit"
                                      : "unknown class",
             machines[host].name, (unsigned)HOST_MACHINE,
             HOST_CLASS == ELFCLASS64 ? "64-bit" : "32-bit", machines[host].name,
             machines[host].platform);
    return 1;
}
