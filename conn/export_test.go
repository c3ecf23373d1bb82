package conn

// CloseDefaultPoller stops the poller Dial starts when given none, so that
// a test binary can check for leaked goroutines after.
func CloseDefaultPoller() {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if defEngine != nil {
		defEngine.p.Close()
		defEngine = nil
	}
}
