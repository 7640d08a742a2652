/* A slower disk, emulated: every fsync/fdatasync of the process it is loaded into (and of its
 * children) returns SLOW_SYNC_US microseconds after the real one. For P12's claim about disks
 * that sync slower than this machine's (README, "Measured"): the benchmark program run under it,
 *
 *   gcc -O2 -shared -fPIC -o /tmp/slow_sync.so benchmarks/slow_sync.c -ldl
 *   LD_PRELOAD=/tmp/slow_sync.so SLOW_SYNC_US=1500 .venv-3.11/bin/python -m benchmarks --only P12
 *
 * The wait is a sleep, as a real disk's is for the process: the processor is free meanwhile. It
 * does not model what a real slow disk also does (queueing, a longer wait for bigger writes), so
 * it answers one question only: does the network's cost stay the same when each sync takes
 * longer? It is not part of the console and nothing else uses it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long delay_ns(void) {
    static long ns = -1;
    if (ns < 0) {
        const char *text = getenv("SLOW_SYNC_US");
        ns = text ? atol(text) * 1000L : 0;
    }
    return ns;
}

static void wait_more(void) {
    long ns = delay_ns();
    if (ns > 0) {
        struct timespec t = {ns / 1000000000L, ns % 1000000000L};
        nanosleep(&t, NULL);
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    int result = real(fd);
    wait_more();
    return result;
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    int result = real(fd);
    wait_more();
    return result;
}
