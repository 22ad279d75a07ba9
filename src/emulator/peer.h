/* peer.h -- the socket at the other end of a loopback connection. */
#ifndef EMU_PEER_H
#define EMU_PEER_H

#include <sys/socket.h>

/* The inode of the socket that connected from peer (an IPv4 address and
 * port) to 127.0.0.1:local_port, or 0 when there is none (any more). */
unsigned long peer_socket_inode(const struct sockaddr *peer, unsigned local_port);

#endif
