/*
 * cfloor: the C floor of the framed-echo benchmark. A minimal
 * single-threaded server: level-triggered epoll, one read per readiness event
 * into one shared 64 KiB buffer, every complete frame (4-byte big-endian
 * length + payload) copied into a shared reply buffer, one write per batch.
 * A partial frame is kept per connection until it completes; output the
 * socket does not take at once waits per connection behind EPOLLOUT.
 *
 *   cfloor -addr 127.0.0.1:PORT
 *
 * SIGUSR1 prints a snapshot line, SIGTERM or SIGINT a last line and exits:
 *   {"server":"cfloor","user_ns":N,"sys_ns":N,"syscalls":-1}
 *
 * Build: gcc -O2 -o cfloor cfloor.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_SIZE (64 << 10)
#define MAX_FRAME (64u << 20)
#define MAX_EVENTS 1024

struct conn {
	int open;
	char *in;          /* a partial frame, waiting for the rest */
	size_t inlen, incap;
	char *out;         /* output the socket did not take yet */
	size_t outoff, outlen, outcap;
};

static struct conn *conns;
static size_t nconns;
static int epfd;
static char rbuf[READ_SIZE];
static char *rep;
static size_t repcap;

static void die(const char *what) {
	perror(what);
	exit(1);
}

static void *xrealloc(void *p, size_t n) {
	p = realloc(p, n);
	if (!p)
		die("realloc");
	return p;
}

static void reserve(char **buf, size_t *cap, size_t need) {
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 4096;
	while (c < need)
		c *= 2;
	*buf = xrealloc(*buf, c);
	*cap = c;
}

static void usage(void) {
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long long user = (long long)ru.ru_utime.tv_sec * 1000000000LL + ru.ru_utime.tv_usec * 1000LL;
	long long sys = (long long)ru.ru_stime.tv_sec * 1000000000LL + ru.ru_stime.tv_usec * 1000LL;
	long long rss = -1, pages, resident;
	FILE *statm = fopen("/proc/self/statm", "r");
	if (statm) {
		if (fscanf(statm, "%lld %lld", &pages, &resident) == 2)
			rss = resident * (sysconf(_SC_PAGESIZE) / 1024);
		fclose(statm);
	}
	printf("{\"server\":\"cfloor\",\"user_ns\":%lld,\"sys_ns\":%lld,\"syscalls\":-1,\"rss_kb\":%lld,\"max_rss_kb\":%ld}\n",
	       user, sys, rss, ru.ru_maxrss);
	fflush(stdout);
}

static struct conn *conn_of(int fd) {
	if ((size_t)fd >= nconns) {
		size_t n = nconns ? nconns : 1024;
		while (n <= (size_t)fd)
			n *= 2;
		conns = xrealloc(conns, n * sizeof *conns);
		memset(conns + nconns, 0, (n - nconns) * sizeof *conns);
		nconns = n;
	}
	return &conns[fd];
}

static void close_conn(int fd) {
	struct conn *c = &conns[fd];
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof *c);
	close(fd); /* also leaves the epoll set */
}

/* queue keeps what write did not take and watches for EPOLLOUT. */
static void queue(int fd, struct conn *c, const char *p, size_t n) {
	int was_empty = c->outlen == c->outoff;
	if (was_empty)
		c->outoff = c->outlen = 0;
	reserve(&c->out, &c->outcap, c->outlen + n);
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	if (was_empty) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = fd};
		epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
	}
}

/* reply sends n bytes of rep: one write, or behind output already waiting. */
static int reply(int fd, struct conn *c, size_t n) {
	if (n == 0)
		return 0;
	if (c->outlen > c->outoff) {
		queue(fd, c, rep, n);
		return 0;
	}
	ssize_t w = write(fd, rep, n);
	if (w < 0) {
		if (errno != EAGAIN && errno != EINTR)
			return -1;
		w = 0;
	}
	if ((size_t)w < n)
		queue(fd, c, rep + w, n - (size_t)w);
	return 0;
}

/* parse copies the complete frames of p into rep, returning the bytes
 * parsed, or -1 on a bad length. *outn is the reply's length. */
static ssize_t parse(const char *p, size_t n, size_t *outn) {
	size_t off = 0, o = 0;
	while (n - off >= 4) {
		uint32_t len;
		memcpy(&len, p + off, 4);
		len = ntohl(len);
		if (len > MAX_FRAME)
			return -1;
		size_t f = 4 + (size_t)len;
		if (n - off < f)
			break;
		reserve(&rep, &repcap, o + f);
		memcpy(rep + o, p + off, f);
		o += f;
		off += f;
	}
	*outn = o;
	return (ssize_t)off;
}

static void on_read(int fd) {
	struct conn *c = &conns[fd];
	ssize_t n = read(fd, rbuf, sizeof rbuf);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		close_conn(fd);
		return;
	}
	if (n == 0) {
		close_conn(fd);
		return;
	}
	const char *p = rbuf;
	size_t len = (size_t)n;
	if (c->inlen > 0) { /* finish the partial frame first */
		reserve(&c->in, &c->incap, c->inlen + len);
		memcpy(c->in + c->inlen, rbuf, len);
		c->inlen += len;
		p = c->in;
		len = c->inlen;
	}
	size_t outn;
	ssize_t used = parse(p, len, &outn);
	if (used < 0 || reply(fd, c, outn) < 0) {
		close_conn(fd);
		return;
	}
	size_t rest = len - (size_t)used;
	if (p == c->in) {
		memmove(c->in, c->in + used, rest);
		c->inlen = rest;
	} else if (rest > 0) {
		reserve(&c->in, &c->incap, rest);
		memcpy(c->in, p + used, rest);
		c->inlen = rest;
	}
}

static void on_write(int fd) {
	struct conn *c = &conns[fd];
	while (c->outoff < c->outlen) {
		ssize_t w = write(fd, c->out + c->outoff, c->outlen - c->outoff);
		if (w < 0) {
			if (errno == EAGAIN)
				return;
			if (errno == EINTR)
				continue;
			close_conn(fd);
			return;
		}
		c->outoff += (size_t)w;
	}
	c->outoff = c->outlen = 0;
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void on_accept(int lfd) {
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				perror("accept4");
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct conn *c = conn_of(fd);
		memset(c, 0, sizeof *c);
		c->open = 1;
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			perror("epoll_ctl");
			close_conn(fd);
		}
	}
}

int main(int argc, char **argv) {
	const char *addr = "127.0.0.1:9000";
	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-addr") || !strcmp(argv[i], "--addr")) && i + 1 < argc)
			addr = argv[++i];
		else if (!strncmp(argv[i], "-addr=", 6))
			addr = argv[i] + 6;
		else {
			fprintf(stderr, "usage: %s -addr 127.0.0.1:PORT\n", argv[0]);
			return 2;
		}
	}
	if (strncmp(addr, "127.0.0.1:", 10) != 0) {
		fprintf(stderr, "-addr %s: listen on 127.0.0.1 only\n", addr);
		return 2;
	}
	int port = atoi(addr + 10);

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		die("sigprocmask");
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0)
		die("signalfd");
	signal(SIGPIPE, SIG_IGN);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");
	ev.data.fd = sfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev) < 0)
		die("epoll_ctl");
	reserve(&rep, &repcap, READ_SIZE);

	static struct epoll_event events[MAX_EVENTS];
	for (;;) {
		int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			uint32_t e = events[i].events;
			if (fd == lfd) {
				on_accept(lfd);
			} else if (fd == sfd) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
					usage();
					if (si.ssi_signo != SIGUSR1)
						return 0;
				}
			} else {
				if ((e & EPOLLOUT) && conns[fd].open)
					on_write(fd);
				if ((e & (EPOLLIN | EPOLLERR | EPOLLHUP)) && conns[fd].open)
					on_read(fd);
			}
		}
	}
}
