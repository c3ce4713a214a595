package botapi

import (
	"context"
	"testing"

	"github.com/buttonflow/buttonflow/internal/store/sqlite"
)

// Ids handed to updates kept only in memory are never handed out again
// after a restart, though nothing but the reservation was stored.
func TestUpdateIDsIncreaseAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var last int64
	for restart := range 3 {
		st, err := sqlite.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		var a idAllocator
		for _, n := range []int{1, 5, idBlock} {
			first, err := a.alloc(ctx, st.BotAPI(), n)
			if err != nil {
				t.Fatal(err)
			}
			if first <= last {
				t.Fatalf("restart %d: id %d after %d", restart, first, last)
			}
			last = first + int64(n) - 1
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
