package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func queueMail(t *testing.T, s *db.Store, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		m := &db.Mail{Kind: "test", To: fmt.Sprintf("p%d@example.org", i), Lang: db.EN, Subject: "Hello",
			Text: "text", HTML: "<p>html</p>", MessageID: fmt.Sprintf("m%d-%d@hub.test", i, time.Now().UnixNano())}
		if err := s.EnqueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func TestMailQueueLeases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		ids := queueMail(t, s, 5)
		now := time.Now()

		a, err := s.ClaimMail(ctx, db.MailClaim{Worker: "a", Now: now, Lease: time.Minute, Limit: 3})
		if err != nil || len(a) != 3 {
			t.Fatalf("claim a = %d mails, %v; want 3", len(a), err)
		}
		if a[0].ID != ids[0] || a[2].ID != ids[2] {
			t.Errorf("claimed %d..%d, want the oldest %d..%d", a[0].ID, a[2].ID, ids[0], ids[2])
		}
		b, err := s.ClaimMail(ctx, db.MailClaim{Worker: "b", Now: now, Lease: time.Minute, Limit: 10})
		if err != nil || len(b) != 2 {
			t.Fatalf("claim b = %d mails, %v; want the 2 not leased to a", len(b), err)
		}
		// A lease that ran out passes to another worker; the first may
		// then neither hold nor finish the mail.
		later := now.Add(2 * time.Minute)
		c, err := s.ClaimMail(ctx, db.MailClaim{Worker: "c", Now: later, Lease: time.Minute, Limit: 1})
		if err != nil || len(c) != 1 || c[0].ID != ids[0] {
			t.Fatalf("claim after the lease = %v, %v; want mail %d", c, err, ids[0])
		}
		if err := s.HoldMail(ctx, "a", ids[0], later.Add(time.Minute)); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a holds a mail now leased to c: %v, want ErrNotFound", err)
		}
		if err := s.MarkMailSent(ctx, "a", ids[0], later); err != nil {
			t.Fatal(err)
		}
		if err := s.HoldMail(ctx, "c", ids[0], later.Add(time.Minute)); err != nil {
			t.Errorf("c holds its own mail: %v", err)
		}
		if err := s.MarkMailSent(ctx, "c", ids[0], later); err != nil {
			t.Fatal(err)
		}
		// A temporary failure waits; a permanent one ends the mail.
		if err := s.MarkMailFailed(ctx, "a", ids[1], db.MailResult{Error: "421 busy", Retry: true, NextAttempt: later.Add(time.Hour), Now: later}); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkMailFailed(ctx, "a", ids[2], db.MailResult{Error: "550 no such user", Now: later}); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseMail(ctx, "b", []int64{ids[3], ids[4]}); err != nil {
			t.Fatal(err)
		}
		due, err := s.ClaimMail(ctx, db.MailClaim{Worker: "d", Now: later, Lease: time.Minute})
		if err != nil || len(due) != 2 || due[0].ID != ids[3] {
			t.Fatalf("due after release = %d mails, %v; want the 2 released", len(due), err)
		}
		next, ok, err := s.NextMailDue(ctx)
		if err != nil || !ok || next.After(later) {
			t.Errorf("next due = %v, %v, %v", next, ok, err)
		}
		all, err := s.Mails(ctx, db.MailQuery{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]db.MailState{ids[0]: db.MailSent, ids[1]: db.MailPending, ids[2]: db.MailFailed}
		for _, m := range all {
			if st, ok := want[m.ID]; ok && m.State != st {
				t.Errorf("mail %d is %s, want %s", m.ID, m.State, st)
			}
			if m.ID == ids[0] && m.Attempts != 1 {
				t.Errorf("mail %d sent with %d attempts counted, want 1", m.ID, m.Attempts)
			}
		}
	})
}

// TestMailClaimsNeverOverlap claims from several goroutines at once (on
// PostgreSQL: several connections) and checks no mail is claimed twice.
func TestMailClaimsNeverOverlap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		queueMail(t, s, 60)
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("w%d", w)
				for range 30 {
					ms, err := s.ClaimMail(ctx, db.MailClaim{Worker: name, Now: time.Now(), Lease: time.Hour, Limit: 3})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, m := range ms {
						if other, dup := seen[m.ID]; dup {
							t.Errorf("mail %d claimed by %s and %s", m.ID, other, name)
						}
						seen[m.ID] = name
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 60 {
			t.Errorf("%d mails claimed, want 60", len(seen))
		}
	})
}

func TestEnqueueMailRefusesLineBreaks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		for _, m := range []*db.Mail{
			{Kind: "x", To: "a@example.org\r\nBcc: b@example.org", Subject: "s", MessageID: "1@h"},
			{Kind: "x", To: "a@example.org", Subject: "s\nBcc: b@example.org", MessageID: "2@h"},
			{Kind: "x", To: "a@example.org", Subject: "", MessageID: "3@h"},
		} {
			if err := s.EnqueueMail(context.Background(), m); !errors.Is(err, db.ErrInvalid) {
				t.Errorf("EnqueueMail(%q, %q) = %v, want ErrInvalid", m.To, m.Subject, err)
			}
		}
		if all, _ := s.Mails(context.Background(), db.MailQuery{}); len(all) != 0 {
			t.Errorf("%d mails queued, want none", len(all))
		}
	})
}

func TestAccountTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Now()
		s = s.WithClock(func() time.Time { return now })
		u, err := s.CreateUser(ctx, db.NewUser{Email: "Ana@Example.org", Password: "a long password", Role: db.RoleMember, Unconfirmed: true})
		if err != nil {
			t.Fatal(err)
		}
		if u.EmailConfirmed() {
			t.Fatal("a registered member starts confirmed")
		}
		tok, err := s.CreateAccountToken(ctx, u, db.TokenPasswordReset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		older, _ := s.CreateAccountToken(ctx, u, db.TokenPasswordReset, time.Hour)
		if _, err := s.AccountToken(ctx, db.TokenConfirmEmail, tok); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a reset token used to confirm: %v, want ErrNotFound", err)
		}
		if _, err := s.ResetPassword(ctx, tok+"x", "another long password"); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("forged token: %v, want ErrNotFound", err)
		}
		if _, err := s.ResetPassword(ctx, tok, "short"); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("short password: %v, want ErrInvalid", err)
		}
		// A refused password leaves the token usable.
		got, err := s.ResetPassword(ctx, tok, "another long password")
		if err != nil || got.ID != u.ID {
			t.Fatalf("reset = %v, %v", got, err)
		}
		if !got.EmailConfirmed() {
			t.Error("a reset through the mailed link leaves the address unconfirmed")
		}
		if _, err := s.Authenticate(ctx, "ana@example.org", "another long password"); err != nil {
			t.Errorf("new password refused: %v", err)
		}
		if _, err := s.ResetPassword(ctx, tok, "a third long password"); !errors.Is(err, db.ErrTokenUsed) {
			t.Errorf("reused token: %v, want ErrTokenUsed", err)
		}
		if _, err := s.ResetPassword(ctx, older, "a third long password"); !errors.Is(err, db.ErrTokenUsed) {
			t.Errorf("an older reset token after a reset: %v, want ErrTokenUsed", err)
		}
		late, _ := s.CreateAccountToken(ctx, got, db.TokenPasswordReset, time.Hour)
		now = now.Add(time.Hour)
		if _, err := s.ResetPassword(ctx, late, "a third long password"); !errors.Is(err, db.ErrTokenExpired) {
			t.Errorf("token after an hour: %v, want ErrTokenExpired", err)
		}

		// A changed address must be confirmed again; links to the old
		// one stop working.
		conf, _ := s.CreateAccountToken(ctx, got, db.TokenConfirmEmail, time.Hour)
		if err := s.SetEmail(ctx, u.ID, "ana@new.example.org"); err != nil {
			t.Fatal(err)
		}
		if u2, _ := s.User(ctx, u.ID); u2.EmailConfirmed() {
			t.Error("a changed address stays confirmed")
		}
		if _, err := s.ConfirmEmail(ctx, conf); !errors.Is(err, db.ErrTokenUsed) {
			t.Errorf("confirming the old address: %v, want ErrTokenUsed", err)
		}
		u3, _ := s.User(ctx, u.ID)
		conf, _ = s.CreateAccountToken(ctx, u3, db.TokenConfirmEmail, time.Hour)
		if u4, err := s.ConfirmEmail(ctx, conf); err != nil || !u4.EmailConfirmed() {
			t.Errorf("confirm = %v, %v", u4, err)
		}
		if err := s.SetEmail(ctx, u.ID, "not an address\r\nBcc: x@y"); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("SetEmail with a line break: %v, want ErrInvalid", err)
		}
	})
}

// TestResetTokenUsedOnce sends one reset token twice at once: exactly one
// request sets its password.
func TestResetTokenUsedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, err := s.CreateUser(ctx, db.NewUser{Email: "ana@example.org", Password: "a long password", Role: db.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := s.CreateAccountToken(ctx, u, db.TokenPasswordReset, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.ResetPassword(ctx, tok, fmt.Sprintf("new password number %d", i))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, db.ErrTokenUsed):
				t.Errorf("a losing request: %v, want ErrTokenUsed", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d requests used the token, want 1", ok)
		}
	})
}
