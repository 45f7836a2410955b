package store

import (
	"encoding/json"
	"fmt"
)

// GetJSON reads kind/key in tx and decodes it into v. A missing item is
// ErrNotFound, unwrapped, so callers can map it to their own error.
func GetJSON(tx Tx, kind, key string, v any) error {
	raw, err := tx.Get(kind, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("store: decode %s %s: %w", kind, key, err)
	}
	return nil
}

// PutJSON encodes v and writes it as kind/key in tx.
func PutJSON(tx Tx, kind, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s %s: %w", kind, key, err)
	}
	return tx.Put(kind, key, raw)
}

// ListJSON decodes every item of kind whose key starts with prefix, in key
// order.
func ListJSON[T any](tx Tx, kind, prefix string) ([]*T, error) {
	items, err := tx.List(kind, prefix, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(items))
	for _, it := range items {
		v := new(T)
		if err := json.Unmarshal(it.Value, v); err != nil {
			return nil, fmt.Errorf("store: decode %s %s: %w", kind, it.Key, err)
		}
		out = append(out, v)
	}
	return out, nil
}
