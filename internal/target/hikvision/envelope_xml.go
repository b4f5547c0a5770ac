package hikvision

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// parseXMLEnvelope reads <ResponseStatus> or <userCheck>: the root's direct
// children are the fields.
func parseXMLEnvelope(b []byte) (*envelope, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var root xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	var kind string
	switch {
	case strings.EqualFold(root.Name.Local, "ResponseStatus"):
		kind = "ResponseStatus"
	case strings.EqualFold(root.Name.Local, "userCheck"):
		kind = "userCheck"
	default:
		// Still insist on a well-formed document, so that a truncated
		// payload is reported as such and not as "not an envelope".
		if err := skipRest(d); err != nil {
			return nil, fmt.Errorf("invalid XML: %w", err)
		}
		return nil, errNotEnvelope
	}
	fields := map[string]string{}
	depth := 0
	var cur string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid XML in <%s>: %w", kind, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 {
				cur = strings.ToLower(t.Name.Local)
				text.Reset()
			}
		case xml.CharData:
			if depth == 1 && text.Len() < 4*maxEnvelopeText {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 0 { // the root closed
				e := newEnvelope(kind)
				err := fillEnvelope(e, func(key string) (string, bool, error) {
					v, ok := fields[strings.ToLower(key)]
					return v, ok, nil
				})
				return e, err
			}
			if depth == 1 {
				if _, dup := fields[cur]; !dup {
					fields[cur] = text.String()
				}
			}
			depth--
		}
	}
}

func skipRest(d *xml.Decoder) error {
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
