/*
 * http_guard.c -- keeps a public server (the Invoke API) answering while
 * some clients hold connections open without using them.
 *
 *   - An idle timeout: libmicrohttpd closes a connection that has made no
 *     progress for that long.  A connection suspended while its caller waits
 *     for a result does not time out (libmicrohttpd stops its clock while
 *     suspended), so no caller waiting for its answer is ever cut; one that
 *     stops reading its response for that long is.
 *   - A reserve: idle connections (no request in progress: just accepted, or
 *     between keep-alive requests) may fill max_connections less a reserve.
 *     Past that, each new connection closes the oldest idle one
 *     (shutdown(2): libmicrohttpd then sees the end of the stream and
 *     cleans up as usual), so a caller that sends its request at once is
 *     served even while another process holds thousands of connections.
 *   - A per-address cap, for callers that are not on loopback: every local
 *     caller is 127.0.0.1, so a cap there would let one local process lock
 *     out all others; loopback relies on the reserve alone.
 *
 * Everything here runs in the event-loop thread (libmicrohttpd's callbacks).
 */
#include "config.h"

#include "http.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

typedef struct gconn {
    struct MHD_Connection *c;
    int fd;
    uint32_t addr; /* IPv4, network order */
    int busy;      /* a request in progress */
    int evicted;   /* shut down, closing */
    struct gconn *prev, *next;
} gconn;

/* The reserve kept free of idle connections. */
static unsigned reserve_of(unsigned max)
{
    unsigned r = max / 16;
    return r < 8 ? 8 : r;
}

unsigned http_guard_clamp(unsigned max_connections)
{
    /* Each connection is a descriptor; the runtimes' pipes and Runtime API
     * sockets need some too. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)max_connections + 512)
        return rl.rlim_cur > 512 + 64 ? (unsigned)(rl.rlim_cur - 512) : 64;
    return max_connections;
}

static uint32_t peer_addr(const struct sockaddr *sa)
{
    if (sa && sa->sa_family == AF_INET)
        return ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
    return htonl(INADDR_LOOPBACK); /* not expected: the servers are IPv4 */
}

static int is_loopback(uint32_t addr)
{
    return (ntohl(addr) >> 24) == 127;
}

enum MHD_Result http_guard_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
    http_guard *g = cls;
    uint32_t addr = peer_addr(sa);
    if (!g->per_address || is_loopback(addr))
        return MHD_YES;
    unsigned n = 0;
    for (gconn *x = g->head; x; x = x->next)
        n += x->addr == addr && !x->evicted;
    if (n < g->per_address)
        return MHD_YES;
    if (!g->warned_address++)
        fprintf(stderr,
                "lambda-emulator: %s: refusing connections from an address that holds "
                "%u already (max_connections_per_address)\n",
                g->name, n);
    return MHD_NO;
}

/* Close the oldest idle connections while idle ones exceed their share. */
static void evict(http_guard *g)
{
    unsigned keep = g->max_connections - reserve_of(g->max_connections);
    for (gconn *x = g->head; x && g->open - g->closing > keep; x = x->next) {
        if (x->busy || x->evicted || x == g->tail)
            continue;
        x->evicted = 1;
        g->closing++;
        shutdown(x->fd, SHUT_RDWR);
        if (!g->warned_idle++)
            fprintf(stderr,
                    "lambda-emulator: %s: %u connections open; closing the oldest "
                    "without a request, to keep %u free for callers (max_connections)\n",
                    g->name, g->open, reserve_of(g->max_connections));
    }
}

void http_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode toe)
{
    http_guard *g = cls;
    gconn *x = *socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (!x)
            return;
        *(x->prev ? &x->prev->next : &g->head) = x->next;
        *(x->next ? &x->next->prev : &g->tail) = x->prev;
        g->open--;
        if (x->evicted)
            g->closing--;
        free(x);
        *socket_context = NULL;
        return;
    }
    x = calloc(1, sizeof *x);
    if (!x)
        return; /* untracked: never evicted */
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ad =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    x->c = c;
    x->fd = fd ? fd->connect_fd : -1;
    x->addr = peer_addr(ad ? ad->client_addr : NULL);
    x->prev = g->tail;
    *(g->tail ? &g->tail->next : &g->head) = x;
    g->tail = x;
    g->open++;
    *socket_context = x;
    if (x->fd >= 0)
        evict(g);
}

/* A request started (busy) or ended (idle again) on c. */
void http_guard_busy(struct MHD_Connection *c, int busy)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    gconn *x = ci ? ci->socket_context : NULL;
    if (x)
        x->busy = busy;
}
