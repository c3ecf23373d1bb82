//go:build !noiouring

package poller

const forceEpoll = false
