#ifndef STREAMD_CLINUX_H
#define STREAMD_CLINUX_H
// Linux interfaces that Swift's Glibc module does not expose.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>

// epoll_event is packed on x86_64, which Swift imports awkwardly; these
// helpers read and write it field by field.
static inline struct epoll_event CLinux_epoll_event(uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return ev;
}
static inline uint32_t CLinux_epoll_event_events(const struct epoll_event *ev) { return ev->events; }
static inline uint64_t CLinux_epoll_event_data(const struct epoll_event *ev) { return ev->data.u64; }

static inline const int CLinux_EPOLLIN(void) { return EPOLLIN; }
static inline const int CLinux_EPOLLOUT(void) { return EPOLLOUT; }
static inline const int CLinux_EPOLLERR(void) { return EPOLLERR; }
static inline const int CLinux_EPOLLHUP(void) { return EPOLLHUP; }
static inline const int CLinux_EPOLLRDHUP(void) { return EPOLLRDHUP; }
static inline const unsigned CLinux_EPOLLET(void) { return EPOLLET; }
static inline const int CLinux_EFD_NONBLOCK(void) { return EFD_NONBLOCK; }
static inline const int CLinux_EFD_CLOEXEC(void) { return EFD_CLOEXEC; }
static inline const int CLinux_SOCK_NONBLOCK(void) { return SOCK_NONBLOCK; }
static inline const int CLinux_SOCK_CLOEXEC(void) { return SOCK_CLOEXEC; }
static inline const int CLinux_SOCK_STREAM(void) { return SOCK_STREAM; }
static inline const int CLinux_TFD_NONBLOCK(void) { return TFD_NONBLOCK; }
static inline const int CLinux_TFD_CLOEXEC(void) { return TFD_CLOEXEC; }
static inline const int CLinux_SFD_NONBLOCK(void) { return SFD_NONBLOCK; }
static inline const int CLinux_SFD_CLOEXEC(void) { return SFD_CLOEXEC; }

int CLinux_accept4(int fd, int flags);
// CPUs this process may run on (honours taskset and cgroup cpusets).
int CLinux_available_cpus(void);
// Names the calling thread (truncated to the kernel's 15 characters).
void CLinux_set_thread_name(const char *name);
#endif
