package catalog

// ResourceTypeInfo describes a resource type of a service.
type ResourceTypeInfo struct {
	// Service is the prefix of the service that defines the type. (A
	// service may define types whose ARNs belong to another service, as
	// wafv2's "loadbalancer/app/" does.)
	Service string
	// Name is the type's name as the service authorization reference gives
	// it: "key", "object", "loadbalancer/app/", "function alias".
	Name string
	// ARNFormats are the type's ARN formats, usually one, such as
	// "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}".
	ARNFormats []string
	// ConditionKeys are the keys that apply to resources of the type.
	ConditionKeys []string

	formats []arnFormat // ARNFormats, compiled
}

// MatchARN reports whether arn is the ARN of a resource of this type: it
// matches one of the type's ARN formats, where each ${...} placeholder
// stands for one or more characters of a single ARN field. Placeholders
// never match a colon, and match a slash only when their values may hold
// one (paths, S3 object keys, log group names, ...), so that
// "arn:aws:s3:::bucket/key" is an object and not a bucket. The input is
// taken literally: policy wildcards in it are plain characters. ARNs longer
// than maxARNLength match nothing, which bounds the matching work an
// untrusted input can cause.
func (r *ResourceTypeInfo) MatchARN(arn string) bool {
	if len(arn) > maxARNLength {
		return false
	}
	for i := range r.formats {
		if r.formats[i].match(arn) {
			return true
		}
	}
	return false
}

// maxARNLength is longer than any real ARN: AWS caps ARNs at 2048
// characters, S3 object ARNs run to about 1100.
const maxARNLength = 8192

// ResourceType returns the resource type name of the service with prefix
// service; both compare case-insensitively.
func ResourceType(service, name string) (*ResourceTypeInfo, bool) {
	s, ok := Service(service)
	if !ok {
		return nil, false
	}
	return s.ResourceType(name)
}
