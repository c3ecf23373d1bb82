//go:build !linux

package poller

type ringState struct{}

type ringSend struct{}

func (*ringSend) reset() {}

func (h *Handle) park(completion) {}

func (h *Handle) inKernel() bool { return false }
