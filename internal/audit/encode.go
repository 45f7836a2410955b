package audit

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON encoding of a record is written by hand rather than by
// encoding/json: the recorder marshals every API call gatehouse serves, and
// the appender below is several times faster than reflection (no per-field
// reflection, no re-validation and compaction of the embedded raw documents,
// no allocation beyond the output). It fixes CloudTrail's field order, which
// struct order alone would also give, and CloudTrail's value formats, which
// it would not (seconds-precision times, "true"/"false" MFA strings). The
// json tags on the types are kept for decoding records and must agree with
// it; the tests check that they do.

// eventTimeLayout is CloudTrail's time format: UTC, seconds, a literal Z.
const eventTimeLayout = "2006-01-02T15:04:05Z"

// AppendJSON appends the CloudTrail record of e to dst and returns the
// extended buffer. The output is compact JSON with CloudTrail's field order.
// Optional fields are left out when empty; requestParameters and
// responseElements are always present, null when empty or not valid JSON.
func (e *Event) AppendJSON(dst []byte) []byte {
	return e.appendJSON(dst, false)
}

// appendJSON is AppendJSON; docsChecked says the raw documents are known to
// be valid JSON or empty (the recorder checked them, see prepareDoc), which
// saves scanning them again.
func (e *Event) appendJSON(dst []byte, docsChecked bool) []byte {
	dst = append(dst, `{"eventVersion":`...)
	dst = appendString(dst, e.EventVersion)
	dst = append(dst, `,"userIdentity":`...)
	dst = e.UserIdentity.appendJSON(dst)
	dst = append(dst, `,"eventTime":`...)
	dst = appendTime(dst, e.EventTime)
	dst = append(dst, `,"eventSource":`...)
	dst = appendString(dst, e.EventSource)
	dst = append(dst, `,"eventName":`...)
	dst = appendString(dst, e.EventName)
	dst = appendOptString(dst, `,"awsRegion":`, e.AWSRegion)
	dst = appendOptString(dst, `,"sourceIPAddress":`, e.SourceIPAddress)
	dst = appendOptString(dst, `,"userAgent":`, e.UserAgent)
	dst = appendOptString(dst, `,"errorCode":`, e.ErrorCode)
	dst = appendOptString(dst, `,"errorMessage":`, e.ErrorMessage)
	dst = append(dst, `,"requestParameters":`...)
	dst = appendRaw(dst, e.RequestParameters, docsChecked)
	dst = append(dst, `,"responseElements":`...)
	dst = appendRaw(dst, e.ResponseElements, docsChecked)
	if len(e.AdditionalEventData) > 0 {
		dst = append(dst, `,"additionalEventData":`...)
		dst = appendRaw(dst, e.AdditionalEventData, docsChecked)
	}
	dst = appendOptString(dst, `,"requestID":`, e.RequestID)
	dst = append(dst, `,"eventID":`...)
	dst = appendString(dst, e.EventID)
	dst = append(dst, `,"readOnly":`...)
	dst = strconv.AppendBool(dst, e.ReadOnly)
	if len(e.Resources) > 0 {
		dst = append(dst, `,"resources":[`...)
		for i := range e.Resources {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.Resources[i].appendJSON(dst)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"eventType":`...)
	dst = appendString(dst, e.EventType)
	dst = append(dst, `,"managementEvent":`...)
	dst = strconv.AppendBool(dst, e.ManagementEvent)
	dst = appendOptString(dst, `,"recipientAccountId":`, e.RecipientAccountID)
	dst = append(dst, `,"eventCategory":`...)
	dst = appendString(dst, e.EventCategory)
	if t := e.TLSDetails; t != nil {
		dst = append(dst, `,"tlsDetails":{`...)
		dst = appendFields(dst,
			`"tlsVersion":`, t.TLSVersion,
			`"cipherSuite":`, t.CipherSuite,
			`"clientProvidedHostHeader":`, t.ClientProvidedHostHeader)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// MarshalJSON returns the userIdentity element of ui, as written in records.
func (ui UserIdentity) MarshalJSON() ([]byte, error) {
	return ui.appendJSON(make([]byte, 0, 256)), nil
}

func (ui *UserIdentity) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendString(dst, ui.Type)
	dst = appendOptString(dst, `,"principalId":`, ui.PrincipalID)
	dst = appendOptString(dst, `,"arn":`, ui.ARN)
	dst = appendOptString(dst, `,"accountId":`, ui.AccountID)
	dst = appendOptString(dst, `,"accessKeyId":`, ui.AccessKeyID)
	dst = appendOptString(dst, `,"userName":`, ui.UserName)
	if sc := &ui.SessionContext; !sc.IsZero() {
		dst = append(dst, `,"sessionContext":{`...)
		if si := &sc.SessionIssuer; *si != (SessionIssuer{}) {
			dst = append(dst, `"sessionIssuer":{`...)
			dst = appendFields(dst,
				`"type":`, si.Type,
				`"principalId":`, si.PrincipalID,
				`"arn":`, si.ARN,
				`"accountId":`, si.AccountID,
				`"userName":`, si.UserName)
			dst = append(dst, `},`...)
		}
		dst = append(dst, `"attributes":{`...)
		if !sc.Attributes.CreationDate.IsZero() {
			dst = append(dst, `"creationDate":`...)
			dst = appendTime(dst, sc.Attributes.CreationDate)
			dst = append(dst, ',')
		}
		dst = append(dst, `"mfaAuthenticated":"`...)
		dst = strconv.AppendBool(dst, sc.Attributes.MFAAuthenticated)
		dst = append(dst, `"}`...)
		dst = appendOptString(dst, `,"sourceIdentity":`, sc.SourceIdentity)
		dst = append(dst, '}')
	}
	dst = appendOptString(dst, `,"invokedBy":`, ui.InvokedBy)
	return append(dst, '}')
}

func (r *Resource) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	dst = appendFields(dst,
		`"ARN":`, r.ARN,
		`"accountId":`, r.AccountID,
		`"type":`, r.Type)
	return append(dst, '}')
}

// appendFields appends the non-empty ones of the (key, value) pairs kv, comma
// separated; each key is a quoted name followed by a colon.
func appendFields(dst []byte, kv ...string) []byte {
	first := true
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, kv[i]...)
		dst = appendString(dst, kv[i+1])
	}
	return dst
}

// appendOptString appends key (which starts with a comma) and the string v,
// unless v is empty.
func appendOptString(dst []byte, key, v string) []byte {
	if v == "" {
		return dst
	}
	dst = append(dst, key...)
	return appendString(dst, v)
}

// appendTime appends t as a quoted CloudTrail time. Years 0 to 9999 are
// formatted by hand (time.AppendFormat parses its layout on every call);
// others fall back to AppendFormat.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, eventTimeLayout)
		return append(dst, '"')
	}
	hour, minute, sec := t.Clock()
	return append(dst, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), 'Z', '"')
}

// appendRaw appends the JSON document raw, or null when it is empty or not
// valid JSON (a record must stay parseable whatever a caller passed). checked
// says raw is already known to be valid or empty.
func appendRaw(dst []byte, raw json.RawMessage, checked bool) []byte {
	if len(raw) == 0 || !checked && !checkDoc(raw).valid {
		return append(dst, "null"...)
	}
	return append(dst, raw...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Control characters, quotes and
// backslashes are escaped, invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped so that a record can be embedded in JavaScript. HTML
// characters are left alone, as in CloudTrail's records.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Copy runs of plain ASCII eight bytes at a time.
		for i+8 <= len(s) && !hasStringSpecial(load64s(s, i)) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
