package frame_test

import (
	"errors"
	"testing"

	"github.com/ringwire/ringwire/frame"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// requireTyped fails t unless err is a decoder's *NeedError or *Error.
func requireTyped(t *testing.T, err error) {
	t.Helper()
	var need *frame.NeedError
	var fe *frame.Error
	if !errors.As(err, &need) && !errors.As(err, &fe) {
		t.Fatalf("untyped error %v", err)
	}
}
