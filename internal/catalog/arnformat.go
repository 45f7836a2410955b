package catalog

import (
	"fmt"
	"strings"
)

// An ARN format from the service authorization reference, such as
// "arn:${Partition}:s3:::${BucketName}/${ObjectName}", is compiled once into
// segments and matched against concrete ARNs:
//
//   - literal text matches itself, case-sensitively;
//   - a ${Placeholder} matches one or more characters, never a colon (so it
//     never spans ARN fields) and never a slash, except for the placeholders
//     in slashPlaceholders whose values are paths or may hold slashes;
//   - a "*" written in the format (as in "arn:${Partition}:artifact:::agreement/*")
//     matches any run of characters, possibly empty, other than a colon.
//
// Keeping slashes out of ordinary placeholders is what tells the S3 bucket
// format (…:::${BucketName}) from the object format
// (…:::${BucketName}/${ObjectName}), a DynamoDB table from its indexes, and
// an API Gateway REST API from its stages.

// slashPlaceholders are the placeholders whose values may contain "/".
// Besides these, every placeholder whose name ends in "Path" may
// (UserNameWithPath, RoleNameWithPath, EntityPath, ...).
var slashPlaceholders = map[string]bool{
	"ObjectName":                       true, // S3 object keys
	"LogGroupName":                     true, // CloudWatch Logs, e.g. /aws/lambda/fn
	"LogStreamName":                    true,
	"ParameterNameWithoutLeadingSlash": true, // SSM parameter hierarchies
	"SecretId":                         true, // Secrets Manager names may hold "/"
	"RepositoryName":                   true, // ECR repository namespaces
	"Alias":                            true, // KMS aliases such as alias/aws/s3
}

// placeholderTakesSlash reports whether a placeholder's value may hold "/".
func placeholderTakesSlash(name string) bool {
	return slashPlaceholders[name] || strings.HasSuffix(name, "Path")
}

// arnSegmentKind tells what a segment of a compiled ARN format matches.
type arnSegmentKind uint8

const (
	arnLiteral     arnSegmentKind = iota // the text itself
	arnPlaceholder                       // one or more characters of a value
	arnStar                              // zero or more characters
)

// arnSegment is one piece of a compiled ARN format.
type arnSegment struct {
	kind  arnSegmentKind
	text  string // the literal text, or the placeholder's name
	slash bool   // a placeholder whose value may hold "/"
}

// arnFormat is a compiled ARN format.
type arnFormat struct {
	segments []arnSegment
}

// compileARNFormat compiles a format; it fails on an unterminated
// placeholder.
func compileARNFormat(format string) (arnFormat, error) {
	var f arnFormat
	lit := 0 // start of the pending literal
	flush := func(end int) {
		if end > lit {
			f.segments = append(f.segments, arnSegment{kind: arnLiteral, text: format[lit:end]})
		}
	}
	for i := 0; i < len(format); {
		switch {
		case strings.HasPrefix(format[i:], "${"):
			end := strings.IndexByte(format[i:], '}')
			if end < 0 {
				return arnFormat{}, fmt.Errorf("ARN format %q: unterminated placeholder", format)
			}
			flush(i)
			name := format[i+2 : i+end]
			f.segments = append(f.segments, arnSegment{kind: arnPlaceholder, text: name, slash: placeholderTakesSlash(name)})
			i += end + 1
			lit = i
		case format[i] == '*':
			flush(i)
			f.segments = append(f.segments, arnSegment{kind: arnStar})
			i++
			lit = i
		default:
			i++
		}
	}
	flush(len(format))
	return f, nil
}

// match reports whether arn is an ARN of this format.
func (f *arnFormat) match(arn string) bool {
	return matchARNSegments(f.segments, arn)
}

// matchARNSegments matches segs against all of s, backtracking over the
// lengths of placeholder and star values. Formats have a handful of
// segments and values stop at the next colon, so the search stays small.
func matchARNSegments(segs []arnSegment, s string) bool {
	for len(segs) > 0 {
		seg := segs[0]
		if seg.kind == arnLiteral {
			if !strings.HasPrefix(s, seg.text) {
				return false
			}
			s, segs = s[len(seg.text):], segs[1:]
			continue
		}
		// The longest run the value may take: up to the first character
		// the segment cannot hold.
		limit := 0
		for limit < len(s) && s[limit] != ':' && (s[limit] != '/' || seg.slash || seg.kind == arnStar) {
			limit++
		}
		least := 1
		if seg.kind == arnStar {
			least = 0
		}
		if len(segs) == 1 {
			return len(s) == limit && limit >= least
		}
		for n := limit; n >= least; n-- {
			if matchARNSegments(segs[1:], s[n:]) {
				return true
			}
		}
		return false
	}
	return s == ""
}
