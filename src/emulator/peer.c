/*
 * peer.c -- which socket is at the other end of a loopback TCP connection:
 * the kernel's socket diagnostics (NETLINK_SOCK_DIAG, one exact lookup of
 * the 4-tuple, about 20 us), or, where that interface is missing, the table
 * in /proc/net/tcp.  The inode it returns names the socket in the fd table
 * of whichever process holds it (/proc/PID/fd/N -> "socket:[INODE]").
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"

/* The peer's end: source = the peer (addr:port), destination = us. */
static unsigned long diag_lookup(const struct sockaddr_in *peer, const struct sockaddr_in *us,
                                 int *unavailable)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        *unavailable = 1;
        return 0;
    }
    struct {
        struct nlmsghdr nh;
        struct inet_diag_req_v2 req;
    } msg;
    memset(&msg, 0, sizeof msg);
    msg.nh.nlmsg_len = sizeof msg;
    msg.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nh.nlmsg_flags = NLM_F_REQUEST;
    msg.req.sdiag_family = AF_INET;
    msg.req.sdiag_protocol = IPPROTO_TCP;
    msg.req.idiag_states = ~0u;
    msg.req.id.idiag_sport = peer->sin_port;
    msg.req.id.idiag_dport = us->sin_port;
    msg.req.id.idiag_src[0] = peer->sin_addr.s_addr;
    msg.req.id.idiag_dst[0] = us->sin_addr.s_addr;
    msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    /* Bounded: the kernel answers at once, or the socket times out. */
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    unsigned long inode = 0;
    if (sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        *unavailable = 1;
    } else {
        union {
            struct nlmsghdr nh;
            char buf[8192];
        } ans;
        ssize_t n = recv(fd, &ans, sizeof ans, 0);
        if (n < 0) {
            *unavailable = 1;
        } else if (n >= (ssize_t)sizeof(struct nlmsghdr) && NLMSG_OK(&ans.nh, (size_t)n)) {
            if (ans.nh.nlmsg_type == SOCK_DIAG_BY_FAMILY &&
                ans.nh.nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg))) {
                const struct inet_diag_msg *m = NLMSG_DATA(&ans.nh);
                inode = m->idiag_inode;
            } else if (ans.nh.nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(&ans.nh);
                /* ENOENT: no such connection; anything else: no diag. */
                *unavailable = e->error != -ENOENT;
            }
        }
    }
    close(fd);
    return inode;
}

/* "0100007F:1F90" as /proc/net/tcp writes an address (the 32-bit value in
 * host order, hex) and a port. */
static void proc_format(const struct sockaddr_in *a, char *out, size_t n)
{
    snprintf(out, n, "%08X:%04X", (unsigned)a->sin_addr.s_addr, (unsigned)ntohs(a->sin_port));
}

static unsigned long proc_lookup(const struct sockaddr_in *peer, const struct sockaddr_in *us)
{
    char local[32], remote[32], line[512];
    proc_format(peer, local, sizeof local);
    proc_format(us, remote, sizeof remote);
    FILE *f = fopen("/proc/net/tcp", "re");
    if (!f)
        return 0;
    unsigned long inode = 0;
    while (!inode && fgets(line, sizeof line, f)) {
        char l[32], r[32];
        unsigned long ino;
        /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
        if (sscanf(line, " %*s %31s %31s %*s %*s %*s %*s %*s %*s %lu", l, r, &ino) == 3 &&
            strcmp(l, local) == 0 && strcmp(r, remote) == 0)
            inode = ino;
    }
    fclose(f);
    return inode;
}

unsigned long peer_socket_inode(const struct sockaddr *peer, unsigned local_port)
{
    if (!peer || peer->sa_family != AF_INET)
        return 0;
    struct sockaddr_in p, us;
    memcpy(&p, peer, sizeof p);
    memset(&us, 0, sizeof us);
    us.sin_family = AF_INET;
    us.sin_port = htons((uint16_t)local_port);
    us.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int unavailable = 0;
    unsigned long inode = diag_lookup(&p, &us, &unavailable);
    if (!inode && unavailable)
        inode = proc_lookup(&p, &us);
    return inode;
}
