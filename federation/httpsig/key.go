package httpsig

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// keyBits is the size of the RSA keys GenerateKey makes. Mastodon and
// GoToSocial use 2048 bits too.
const keyBits = 2048

// GenerateKey returns a new RSA-2048 private key for an actor. It takes tens
// of milliseconds, so create actor keys ahead of the request that needs them.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("httpsig: generate key: %w", err)
	}
	return k, nil
}

// EncodePrivateKey returns key as a PKCS#8 "PRIVATE KEY" PEM block, the form
// the hub stores.
func EncodePrivateKey(key *rsa.PrivateKey) (string, error) {
	if key == nil {
		return "", errors.New("httpsig: encode private key: nil key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("httpsig: encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// ParsePrivateKey parses an RSA private key from the first PEM block in s,
// either PKCS#8 ("PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY", the form
// Mastodon keeps in its database). Encrypted PEM is not supported.
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, err := decodePEM(s)
	if err != nil {
		return nil, fmt.Errorf("httpsig: parse private key: %w", err)
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: parse private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("httpsig: parse private key: %T is not an RSA key", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: parse private key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("httpsig: parse private key: unexpected PEM block %q", block.Type)
}

// EncodePublicKey returns key as a PKIX "PUBLIC KEY" PEM block, which is what
// Mastodon publishes as an actor's publicKeyPem. key is an *rsa.PublicKey or
// an ed25519.PublicKey.
func EncodePublicKey(key crypto.PublicKey) (string, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return "", errors.New("httpsig: encode public key: nil RSA key")
		}
	case ed25519.PublicKey:
	default:
		return "", fmt.Errorf("httpsig: encode public key: unsupported key type %T", key)
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("httpsig: encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePublicKey parses the first PEM block in s, a PKIX "PUBLIC KEY" (what
// Mastodon and most servers publish) or a PKCS#1 "RSA PUBLIC KEY" (what some
// older servers publish). It returns an *rsa.PublicKey or an
// ed25519.PublicKey, the key types Verify accepts.
func ParsePublicKey(s string) (crypto.PublicKey, error) {
	block, err := decodePEM(s)
	if err != nil {
		return nil, fmt.Errorf("httpsig: parse public key: %w", err)
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: parse public key: %w", err)
		}
		switch k.(type) {
		case *rsa.PublicKey, ed25519.PublicKey:
			return k, nil
		}
		return nil, fmt.Errorf("httpsig: parse public key: unsupported key type %T", k)
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("httpsig: parse public key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("httpsig: parse public key: unexpected PEM block %q", block.Type)
}

// decodePEM returns the first PEM block in s and rejects encrypted blocks.
func decodePEM(s string) (*pem.Block, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if len(block.Headers) > 0 {
		return nil, fmt.Errorf("PEM block %q has headers (encrypted?)", block.Type)
	}
	return block, nil
}
