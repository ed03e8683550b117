package db_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgimigranti/hub/db"
)

// TestPasswordCost checks the one place production's argon2id cost is used:
// every other test hashes at the cheapest cost (dbtest), so this test opens
// its Store itself.
func TestPasswordCost(t *testing.T) {
	ctx := context.Background()
	s, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	prod, err := s.CreateUser(ctx, db.NewUser{Email: "prod@example.org", Password: "production password", Role: db.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(prod.PasswordHash, want) {
		t.Errorf("a new hub's hash = %q, want the prefix %q (OWASP's minimum)", prod.PasswordHash, want)
	}
	s.UseFastPasswordHashing()
	fast, err := s.CreateUser(ctx, db.NewUser{Email: "fast@example.org", Password: "a test password", Role: db.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=8,t=1,p=1$"; !strings.HasPrefix(fast.PasswordHash, want) {
		t.Errorf("fast hash = %q, want the prefix %q", fast.PasswordHash, want)
	}
	// Hashes carry their parameters: both still verify, and wrong ones fail.
	for email, pw := range map[string]string{"prod@example.org": "production password", "fast@example.org": "a test password"} {
		if _, err := s.Authenticate(ctx, email, pw); err != nil {
			t.Errorf("Authenticate(%s): %v", email, err)
		}
		if _, err := s.Authenticate(ctx, email, pw+"x"); !errors.Is(err, db.ErrBadCredentials) {
			t.Errorf("Authenticate(%s, wrong) = %v, want ErrBadCredentials", email, err)
		}
	}
}
