//go:build unix

package markup

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// fuzzSize is how long the fuzzed fragment is made, by repetition, before
// it is rendered: a shape that costs more than linear time shows at this
// size (a forum post's limit) where a few bytes would hide it.
const fuzzSize = 50_000

// fuzzBound is how much CPU time one render of fuzzSize bytes may take.
// Within the limits the worst known inputs take under 0.3 s; before them,
// several took over 10 s. It is CPU time of this process, not wall time,
// so that other work on the machine does not count, and generous, because
// it includes the garbage collector's.
const fuzzBound = 3 * time.Second

// cpuTime is the user and system time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FuzzRender renders each fragment repeated to fuzzSize bytes and fails
// when one render takes more CPU time than fuzzBound, nests block quotes or lists
// deeper than MaxNesting, or returns HTML out of proportion to the source.
// Seeds are in testdata/fuzz/FuzzRender and below.
// Run: go test ./db/markup -run '^$' -fuzz FuzzRender -fuzztime 60s
func FuzzRender(f *testing.F) {
	for _, in := range worstInputs {
		f.Add(in.gen(64))
	}
	f.Add("# Заглавие\n\nТекст с **удебелен** и [връзка](https://example.org).\n")
	f.Add("| a | b |\n|---|---|\n| 1 | 2 |\n")
	r := New()
	f.Fuzz(func(t *testing.T, frag string) {
		if frag == "" {
			return
		}
		md := strings.Repeat(frag, max(1, fuzzSize/len(frag)))
		if len(md) > 2*fuzzSize {
			md = md[:2*fuzzSize]
		}
		start := cpuTime()
		got, err := r.Render(md)
		if d := cpuTime() - start; d > fuzzBound {
			t.Fatalf("rendering %d bytes of %q took %v of CPU", len(md), frag, d)
		}
		if err != nil {
			return // refused as too complex: bounded, and a message for the writer
		}
		if d := maxDepth(got); d > MaxNesting {
			t.Fatalf("%q repeated nests %d deep", frag, d)
		}
		if len(got) > 32*len(md)+8<<20 {
			t.Fatalf("%q repeated: %d bytes of HTML from %d", frag, len(got), len(md))
		}
	})
}
