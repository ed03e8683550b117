package db

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: RFC 9106's second recommended option (64 MiB, three
// passes) would cost 64 MiB per login on a 2-core machine; OWASP's
// 19 MiB / 2 passes is the documented minimum and is what we use.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	// The cost of UseFastPasswordHashing: argon2id's smallest parameters.
	fastArgonTime   = 1
	fastArgonMemory = 8
	argonKeyLen     = 32
	saltLen         = 16
	// MinPasswordLen is the shortest password the hub accepts.
	MinPasswordLen = 10
	maxPasswordLen = 1024
)

// argonCost is the pair of argon2id parameters new hashes are made with.
type argonCost struct{ time, memory uint32 }

var productionCost = argonCost{argonTime, argonMemory}

// UseFastPasswordHashing makes the Store hash new passwords with argon2id's
// smallest cost (one pass over 8 KiB), which protects nothing. It exists for
// tests only, which create hundreds of accounts; a hub never calls it. Hashes
// carry their own parameters, so existing ones still verify.
func (s *Store) UseFastPasswordHashing() {
	s.kdf = argonCost{fastArgonTime, fastArgonMemory}
}

// passwordCost returns the cost new hashes are made with.
func (s *Store) passwordCost() argonCost {
	if s.kdf == (argonCost{}) {
		return productionCost
	}
	return s.kdf
}

// hashPassword returns an encoded argon2id hash in the PHC string format.
func hashPassword(password string, c argonCost) (string, error) {
	if n := len([]rune(password)); n < MinPasswordLen || len(password) > maxPasswordLen {
		return "", fmt.Errorf("%w: a password must be %d to %d characters long", ErrInvalid, MinPasswordLen, maxPasswordLen)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, c.time, c.memory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.memory, c.time, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// checkPassword reports whether password matches the encoded hash. It reads
// the parameters from the hash, so stronger settings can be introduced later.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || len(password) > maxPasswordLen {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 10 || p == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash returns a hash of nothing at cost c, checked against when an
// address has no account so that the time taken does not tell.
func dummyHash(c argonCost) string {
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", c.memory, c.time)
}
