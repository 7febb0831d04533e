#define _GNU_SOURCE
#include "CLinux.h"
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

// accept4 is a GNU extension; declared here so Swift needs no _GNU_SOURCE.
int CLinux_accept4(int fd, int flags) {
    return accept4(fd, NULL, NULL, flags);
}

int CLinux_available_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

void CLinux_set_thread_name(const char *name) {
    char shortName[16];
    strncpy(shortName, name, 15);
    shortName[15] = 0;
    pthread_setname_np(pthread_self(), shortName);
}
