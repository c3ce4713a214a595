package layer

import (
	"testing"

	"github.com/gotd/td/tg"
)

// BenchmarkDownObjectUpdates converts a push of 20 new messages with inline
// keyboards, two users and a chat to layer 198: the per-update cost every
// GramJS client adds.
func BenchmarkDownObjectUpdates(b *testing.B) {
	tr := Default()
	in := encode(b, updates(20))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.DownObject(198, "Updates", in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpRequestSendMessage converts a layer-198 messages.sendMessage
// with an inline keyboard, the most common bot request.
func BenchmarkUpRequestSendMessage(b *testing.B) {
	tr := Default()
	in, err := downCall(tr, 198, encode(b, sendMessage(inlineMarkup())))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.UpRequest(198, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDownResultConfig converts help.getConfig's result, which is the
// same in both layers and so comes back without a copy.
func BenchmarkDownResultConfig(b *testing.B) {
	tr := Default()
	in := encode(b, config())
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.DownResult(198, tg.HelpGetConfigRequestTypeID, in); err != nil {
			b.Fatal(err)
		}
	}
}
