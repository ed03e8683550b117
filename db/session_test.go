package db_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/bgimigranti/hub/db"
	"github.com/bgimigranti/hub/db/dbtest"
)

func TestSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, found, err := s.FindSession(ctx, "nope"); err != nil || found {
			t.Fatalf("unknown token: found=%v err=%v", found, err)
		}
		data := []byte{0, 1, 2, 0xff, 'x'}
		if err := s.CommitSession(ctx, "tok-a", data, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, found, err := s.FindSession(ctx, "tok-a")
		if err != nil || !found || !bytes.Equal(got, data) {
			t.Fatalf("FindSession = %v, %v, %v; want %v", got, found, err, data)
		}
		// Commit again replaces the data.
		if err := s.CommitSession(ctx, "tok-a", []byte("new"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.FindSession(ctx, "tok-a"); string(got) != "new" {
			t.Errorf("after a second commit: %q, want %q", got, "new")
		}
		// An expired session is not found and is purged.
		if err := s.CommitSession(ctx, "tok-old", []byte("old"), time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.FindSession(ctx, "tok-old"); found {
			t.Error("an expired session was found")
		}
		n, err := s.DeleteExpiredSessions(ctx)
		if err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
		}
		if err := s.DeleteSession(ctx, "tok-a"); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.FindSession(ctx, "tok-a"); found {
			t.Error("a deleted session was found")
		}
		if err := s.DeleteSession(ctx, "tok-a"); err != nil {
			t.Errorf("deleting an unknown session: %v", err)
		}
		if err := s.CommitSession(ctx, "", nil, time.Now()); err == nil {
			t.Error("an empty token was accepted")
		}
	})
}
