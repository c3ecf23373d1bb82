//go:build !linux

package poller

type ringState struct{}
