package mailer_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
	"github.com/bgimigranti/hub/portal/mailer"
	"github.com/bgimigranti/hub/portal/mailer/mailtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func smtpTo(t *testing.T, url string) *mailer.SMTP {
	t.Helper()
	srv, err := mailer.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := mailer.ParseFrom(`"Hub" <hub@example.org>`)
	return mailer.NewSMTP(srv, from)
}

func enqueue(t *testing.T, s *db.Store, n int, prefix string) []*db.Mail {
	t.Helper()
	var out []*db.Mail
	for i := range n {
		m := &db.Mail{Kind: "test", To: fmt.Sprintf("%s%d@example.org", prefix, i), Lang: db.BG,
			Subject: fmt.Sprintf("Здравей %d", i), Text: "Текст\nhttps://hub.example.org/bg/", HTML: "<p>Текст</p>",
			MessageID: fmt.Sprintf("%s%d.%d@hub.example.org", prefix, i, time.Now().UnixNano())}
		if err := s.EnqueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// counts returns how many times Mailpit received each Message-ID.
func counts(mp *mailtest.Server) map[string]int {
	c := map[string]int{}
	for _, m := range mp.Messages() {
		c[m.MessageID]++
	}
	return c
}

func TestSendComposesAMessage(t *testing.T) {
	mp := mailtest.Start(t)
	m := &db.Mail{Kind: "test", To: "ana@example.org", Lang: db.EN, Subject: "Reset your password — hub",
		Text: "Follow https://hub.example.org/en/x", HTML: "<p>Follow <a href=\"https://hub.example.org/en/x\">this</a></p>",
		MessageID: "abc.1@hub.example.org"}
	if err := smtpTo(t, mp.URL()).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := mp.To("ana@example.org")
	if len(got) != 1 {
		t.Fatalf("%d messages received, want 1", len(got))
	}
	g := got[0]
	if g.Subject != m.Subject || g.MessageID != m.MessageID || g.From.Address != "hub@example.org" || g.From.Name != "Hub" {
		t.Errorf("received %q %q from %v", g.Subject, g.MessageID, g.From)
	}
	if !strings.Contains(g.Text, "https://hub.example.org/en/x") || !strings.Contains(g.HTML, `href="https://hub.example.org/en/x"`) {
		t.Errorf("bodies: text %q, html %q", g.Text, g.HTML)
	}
	for h, want := range map[string]string{"Auto-Submitted": "auto-generated", "Content-Language": "en", "Message-Id": "<abc.1@hub.example.org>"} {
		if v := g.Header(h); v != want {
			t.Errorf("header %s = %q, want %q", h, v, want)
		}
	}
	if d, err := mail.ParseDate(g.Header("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date %q: %v", g.Header("Date"), err)
	}
}

func TestSendRefusesHeaderInjection(t *testing.T) {
	mp := mailtest.Start(t)
	m := &db.Mail{Kind: "test", To: "ana@example.org\r\nBcc: eve@example.org", Lang: db.EN, Subject: "s", Text: "t", MessageID: "x@h"}
	err := smtpTo(t, mp.URL()).Send(context.Background(), m)
	var se *mailer.SendError
	if err == nil || !asSendError(err, &se) || se.Temporary {
		t.Errorf("Send with a line break in To = %v, want a permanent error", err)
	}
	if n := len(mp.Messages()); n != 0 {
		t.Errorf("%d messages went out", n)
	}
}

func asSendError(err error, se **mailer.SendError) bool {
	e, ok := err.(*mailer.SendError)
	*se = e
	return ok
}

// TestServerDownThenBack: the SMTP server is away while mail is queued;
// every attempt fails and is scheduled again; when it is back, every mail
// arrives exactly once.
func TestServerDownThenBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		addr := mailtest.FreeAddr(t)
		queued := enqueue(t, s, 5, "down")
		now := time.Now()
		w := mailer.NewWorker(s, smtpTo(t, "smtp://"+addr), quiet)
		w.Now = func() time.Time { return now }
		for round := 1; round <= 2; round++ {
			if n, err := w.Drain(ctx); err != nil || n != 0 {
				t.Fatalf("round %d with the server down: sent %d, %v", round, n, err)
			}
			pending, _ := s.Mails(ctx, db.MailQuery{State: db.MailPending})
			if len(pending) != 5 || pending[0].Attempts != round || pending[0].LastError == "" {
				t.Fatalf("round %d: %d pending, attempts %d, error %q", round, len(pending), pending[0].Attempts, pending[0].LastError)
			}
			// Not due again before the back-off.
			if n, _ := w.Drain(ctx); n != 0 {
				t.Fatalf("retried before the back-off")
			}
			now = now.Add(time.Duration(round) * time.Minute)
		}
		mp := mailtest.StartAt(t, addr)
		if n, err := w.Drain(ctx); err != nil || n != 5 {
			t.Fatalf("server back: sent %d, %v; want 5", n, err)
		}
		if n, _ := w.Drain(ctx); n != 0 {
			t.Errorf("a second drain sent %d", n)
		}
		c := counts(mp)
		for _, m := range queued {
			if c[m.MessageID] != 1 {
				t.Errorf("%s received %d times, want once", m.MessageID, c[m.MessageID])
			}
		}
	})
}

// stopAfter wraps a sender and stops the worker (cancels its context)
// once n mails went out: a shutdown in the middle of a batch.
type stopAfter struct {
	mailer.Sender
	n      int
	cancel context.CancelFunc
}

func (s *stopAfter) Send(ctx context.Context, m *db.Mail) error {
	err := s.Sender.Send(ctx, m)
	if s.n--; s.n == 0 {
		s.cancel()
	}
	return err
}

// TestStopMidBatchSendsNothingTwice stops a worker in the middle of its
// batch, starts another and a third one beside it: every mail arrives
// exactly once.
func TestStopMidBatchSendsNothingTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		mp := mailtest.Start(t)
		queued := enqueue(t, s, 12, "stop")
		ctx, cancel := context.WithCancel(context.Background())
		first := mailer.NewWorker(s, &stopAfter{Sender: smtpTo(t, mp.URL()), n: 3, cancel: cancel}, quiet)
		if n, err := first.Drain(ctx); err != nil || n != 3 {
			t.Fatalf("stopped worker sent %d, %v; want 3", n, err)
		}
		if left, _ := s.Mails(context.Background(), db.MailQuery{State: db.MailPending}); len(left) != 9 {
			t.Fatalf("%d pending after the stop, want 9", len(left))
		}
		var wg sync.WaitGroup
		total := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := mailer.NewWorker(s, smtpTo(t, mp.URL()), quiet)
				n, err := w.Drain(context.Background())
				if err != nil {
					t.Error(err)
				}
				total[i] = n
			}()
		}
		wg.Wait()
		if total[0]+total[1] != 9 {
			t.Errorf("restarted workers sent %v, want 9 in all", total)
		}
		c := counts(mp)
		for _, m := range queued {
			if c[m.MessageID] != 1 {
				t.Errorf("%s received %d times, want once", m.MessageID, c[m.MessageID])
			}
		}
	})
}

// TestPermanentRefusalIsNotRetried: a 5xx answer fails the mail at once.
func TestPermanentRefusalIsNotRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		mp := mailtest.StartAt(t, mailtest.FreeAddr(t), "--smtp-allowed-recipients", "^ok")
		good := enqueue(t, s, 1, "ok")
		bad := enqueue(t, s, 1, "refused")
		now := time.Now()
		w := mailer.NewWorker(s, smtpTo(t, mp.URL()), quiet)
		w.Now = func() time.Time { return now }
		if n, err := w.Drain(ctx); err != nil || n != 1 {
			t.Fatalf("sent %d, %v; want 1", n, err)
		}
		now = now.Add(24 * time.Hour)
		if n, _ := w.Drain(ctx); n != 0 {
			t.Errorf("the refused mail was tried again")
		}
		failed, _ := s.Mails(ctx, db.MailQuery{State: db.MailFailed})
		if len(failed) != 1 || failed[0].ID != bad[0].ID || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "55") {
			t.Errorf("failed = %+v", failed)
		}
		if c := counts(mp); c[good[0].MessageID] != 1 || len(c) != 1 {
			t.Errorf("received %v", c)
		}
	})
}
