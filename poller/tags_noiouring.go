//go:build noiouring

package poller

// Built with -tags noiouring, Auto always picks epoll.
const forceEpoll = true
