//go:build !linux

package poller

type ringState struct{}

func (h *Handle) park(completion) {}
