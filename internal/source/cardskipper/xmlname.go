package cardskipper

import "unicode/utf8"

// isNameByte reports whether an ASCII byte may be part of a name. It is
// encoding/xml's rule for where a name ends; bytes beyond ASCII are taken
// into the name and judged by isXMLName.
func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// isXMLName reports whether b is a name (valid UTF-8, a NameStartChar, then
// NameChars), and how many colons it has.
func isXMLName(b []byte) (ok bool, colons int) {
	if len(b) == 0 {
		return false, 0
	}
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf {
			// Every ASCII byte here passed isNameByte; digits, '.' and '-'
			// cannot start a name.
			if i == 0 && ('0' <= c && c <= '9' || c == '.' || c == '-') {
				return false, 0
			}
			if c == ':' {
				colons++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return false, 0
		}
		if i == 0 && !isNameStartRune(r) || !isNameRune(r) {
			return false, 0
		}
		i += size
	}
	return true, colons
}

// isNameStartRune is the NameStartChar production of XML 1.0, fifth
// edition. encoding/xml uses the fourth edition's tables (Letter, '_', ':'),
// which the fifth edition widened: every name encoding/xml accepts is
// accepted here (TestNameRulesCoverEncodingXML checks every character); a
// name only the fifth edition allows is a deliberate leniency.
func isNameStartRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || r == '_' || r == ':'
	case r <= 0x2FF:
		return r >= 0xC0 && r != 0xD7 && r != 0xF7
	case r <= 0x1FFF:
		return r >= 0x370 && r != 0x37E
	}
	return r == 0x200C || r == 0x200D ||
		0x2070 <= r && r <= 0x218F ||
		0x2C00 <= r && r <= 0x2FEF ||
		0x3001 <= r && r <= 0xD7FF ||
		0xF900 <= r && r <= 0xFDCF ||
		0xFDF0 <= r && r <= 0xFFFD ||
		0x10000 <= r && r <= 0xEFFFF
}

// isNameRune is the NameChar production of XML 1.0, fifth edition.
func isNameRune(r rune) bool {
	return isNameStartRune(r) ||
		r == '-' || r == '.' || '0' <= r && r <= '9' ||
		r == 0xB7 || 0x300 <= r && r <= 0x36F || r == 0x203F || r == 0x2040
}
