/*
 * Test helper for io.berth.runtime.seccomp: installs a compiled filter the way Berth's init does
 * (PR_SET_NO_NEW_PRIVS, then seccomp(SECCOMP_SET_MODE_FILTER, flags)), then either execs a command
 * or makes raw system calls read from stdin, so every filter decision is taken by the real kernel.
 *
 *   seccomp-probe FILTER FLAGS exec CMD [ARG...]
 *   seccomp-probe FILTER FLAGS calls      stdin: "ABI NR A0 A1 A2 A3 A4 A5" per line
 *
 * ABI is 64 (the syscall instruction), x32 (the same with __X32_SYSCALL_BIT or-ed into NR) or 32
 * (int $0x80, the i386 ABI; its arguments are the low 32 bits). Each call prints "ok RESULT" or
 * "err ERRNO" and flushes, so a call the filter kills leaves the earlier lines readable.
 * Failing to install the filter prints "install: ERRNO" to stderr and exits 125.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static long call64(unsigned long nr, unsigned long a[6]) {
    long ret;
    register unsigned long r10 __asm__("r10") = a[3];
    register unsigned long r8 __asm__("r8") = a[4];
    register unsigned long r9 __asm__("r9") = a[5];
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static long call32(unsigned long nr, unsigned long a[6]) {
    unsigned int ret;
    register unsigned long r12 __asm__("r12") = a[5];
    /* ebp carries the sixth argument but is the frame pointer: save it by hand around the call. */
    __asm__ volatile("push %%rbp\n\tmov %%r12d, %%ebp\n\tint $0x80\n\tpop %%rbp"
                     : "=a"(ret)
                     : "a"((unsigned int)nr), "b"((unsigned int)a[0]), "c"((unsigned int)a[1]),
                       "d"((unsigned int)a[2]), "S"((unsigned int)a[3]), "D"((unsigned int)a[4]), "r"(r12)
                     : "memory");
    return (long)(int)ret;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s FILTER FLAGS exec CMD [ARG...] | calls\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static struct sock_filter insns[4096];
    size_t n = fread(insns, sizeof insns[0], 4096, f);
    fclose(f);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};
    unsigned int flags = (unsigned int)strtoul(argv[2], NULL, 0);

    /* Calls the filter kills must not leave core files in the test's working directory. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0) {
        fprintf(stderr, "install: %d\n", errno);
        return 125;
    }
    if (strcmp(argv[3], "exec") == 0) {
        execvp(argv[4], argv + 4);
        fprintf(stderr, "exec %s: %s\n", argv[4], strerror(errno));
        return 127;
    }
    char abi[8];
    unsigned long nr, a[6];
    while (scanf("%7s %li %li %li %li %li %li %li", abi, &nr, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]) == 8) {
        long ret = strcmp(abi, "32") == 0 ? call32(nr, a)
                 : strcmp(abi, "x32") == 0 ? call64(nr | 0x40000000UL, a)
                 : call64(nr, a);
        if (ret < 0 && ret > -4096) {
            printf("err %ld\n", -ret);
        } else {
            printf("ok %ld\n", ret);
        }
        fflush(stdout);
    }
    return 0;
}
