package db

import "unicode/utf8"

// ValidText reports whether s may be stored as text: valid UTF-8 without
// NUL or other control characters, except tab, line feed and carriage
// return. Both databases refuse NUL, and PostgreSQL invalid UTF-8; the
// other control characters only ever come from broken or hostile clients.
// portal, feeds and federation check what strangers send with it, so such
// input gets a 400 and never reaches a query.
func ValidText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r >= 0x80 && r < 0xa0 {
			return false
		}
		i += n
	}
	return true
}

// ValidLine is ValidText without tab, line feed and carriage return: the
// rule for one-line values such as URL paths, names and header values.
func ValidLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\t' || c == '\n' || c == '\r' {
			return false
		}
	}
	return ValidText(s)
}
