/*
 * elf_arch.h -- telling why a plugin built for another architecture does not
 * load.  glibc's dlopen() reports such a file as "wrong ELF class" or even
 * "No such file or directory"; reading the file's ELF header (e_machine,
 * EI_CLASS) and comparing it with the machine this runtime was compiled for
 * lets the init error name both architectures and how to rebuild.
 */
#ifndef BOOTSTRAP_ELF_ARCH_H
#define BOOTSTRAP_ELF_ARCH_H

#include <stddef.h>

/* If path is an ELF file for another machine or ELF class than this
 * runtime, write a sentence saying so (starting with the file's base name)
 * into buf and return 1.  Return 0 when it matches, is not ELF, cannot be
 * read, or this runtime's machine is not known. */
int elf_arch_mismatch(const char *path, char *buf, size_t size);

#endif
