package httpsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestGenerateKey(t *testing.T) {
	k := otherKey(t) // made by GenerateKey
	if got := k.N.BitLen(); got != 2048 {
		t.Errorf("key has %d bits, want 2048", got)
	}
	if err := k.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestPrivateKeyPEM(t *testing.T) {
	key := testKey(t)
	enc, err := EncodePrivateKey(key)
	if err != nil {
		t.Fatalf("EncodePrivateKey: %v", err)
	}
	if !strings.HasPrefix(enc, "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("EncodePrivateKey = %.40q…, want a PKCS#8 PRIVATE KEY block", enc)
	}
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	ecDER, err := x509.MarshalPKCS8PrivateKey(mustECDSA(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"PKCS#8", enc, ""},
		{"PKCS#1", pkcs1, ""},
		{"text around the block", "comment\n" + enc + "trailer\n", ""},
		{"empty", "", "no PEM block"},
		{"garbage", "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", "no PEM block"},
		{"public key", mustPublicPEM(t, &key.PublicKey), `unexpected PEM block "PUBLIC KEY"`},
		{"ECDSA key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})), "not an RSA key"},
		{"encrypted", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})), "encrypted"},
		{"bad DER", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})), "parse private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePrivateKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParsePrivateKey error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if !got.Equal(key) {
				t.Errorf("ParsePrivateKey returned a different key")
			}
		})
	}
	if _, err := EncodePrivateKey(nil); err == nil {
		t.Errorf("EncodePrivateKey(nil) succeeded")
	}
}

func TestPublicKeyPEM(t *testing.T) {
	key := &testKey(t).PublicKey
	edPub := testEdKey.Public().(ed25519.PublicKey)
	pkix := mustPublicPEM(t, key)
	if !strings.HasPrefix(pkix, "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA") {
		t.Errorf("EncodePublicKey = %.80q…, want the PKIX RSA-2048 header Mastodon publishes", pkix)
	}
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(key)}))
	ecPKIX, err := x509.MarshalPKIXPublicKey(&mustECDSA(t).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		want    interface{ Equal(crypto.PublicKey) bool }
		wantErr string
	}{
		{"PKIX RSA", pkix, key, ""},
		{"PKCS#1 RSA", pkcs1, key, ""},
		{"PKIX RSA with CRLF", strings.ReplaceAll(pkix, "\n", "\r\n"), key, ""},
		{"PKIX Ed25519", mustPublicPEM(t, edPub), edPub, ""},
		{"empty", "", nil, "no PEM block"},
		{"private key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})), nil, `unexpected PEM block "PRIVATE KEY"`},
		{"ECDSA", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecPKIX})), nil, "unsupported key type"},
		{"bad DER", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: []byte{1, 2, 3}})), nil, "parse public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePublicKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParsePublicKey error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePublicKey: %v", err)
			}
			if !tt.want.Equal(got) {
				t.Errorf("ParsePublicKey = %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []any{nil, (*rsa.PublicKey)(nil), &mustECDSA(t).PublicKey, testKey(t)} {
		if _, err := EncodePublicKey(bad); err == nil {
			t.Errorf("EncodePublicKey(%T) succeeded", bad)
		}
	}
}

func mustPublicPEM(t *testing.T, key any) string {
	t.Helper()
	s, err := EncodePublicKey(key)
	if err != nil {
		t.Fatalf("EncodePublicKey: %v", err)
	}
	return s
}

func mustECDSA(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
