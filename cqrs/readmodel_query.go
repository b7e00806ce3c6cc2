package cqrs

import (
	"context"
	"fmt"
	"reflect"

	"github.com/allframe-go/allframe/app"
)

// GetIn is the input of a read model's get query (RegisterGet).
type GetIn struct {
	ID string `json:"id" path:"id" validate:"required,max=512" doc:"Key of the row"`
}

// ListIn is the input of a read model's list query (RegisterList); embed
// it in a filter struct for RegisterListBy.
type ListIn struct {
	After string `json:"after,omitempty" validate:"max=512" doc:"Return rows after this key (the previous page's next)"`
	Limit int32  `json:"limit,omitempty" validate:"gte=0,lte=1000" doc:"Page size, 1 to 1000 (0: the read model's default)"`
	Order string `json:"order,omitempty" validate:"omitempty,oneof=asc desc" doc:"Order by key: asc (the default) or desc"`
}

func (in ListIn) listIn() ListIn { return in }

// listInput is a list query's input: ListIn or a struct that embeds it.
type listInput interface{ listIn() ListIn }

// RegisterGet registers the query name that returns the row with the
// input's id, or fails with not_found. The default REST route is
// GET /name/{id}; opts (app.HTTP, app.Describe, …) come after the
// defaults, so they override them. It honours consistency tokens like
// Bus.ReadsFrom(rm.Name()): a call with a command's Consistency-Token
// reads that command's writes.
func (rm *ReadModel[T]) RegisterGet(name string, opts ...app.OpOption) *app.Operation {
	opts = append([]app.OpOption{app.HTTP("GET", "/"+name+"/{id}"), rm.bus.ReadsFrom(rm.name)}, opts...)
	return app.Query(rm.bus.App(), name, func(ctx context.Context, in GetIn) (T, error) {
		v, ok, err := rm.Get(ctx, in.ID)
		if err != nil {
			return v, edgeError(err)
		}
		if !ok {
			return v, app.NewError(app.CodeNotFound, fmt.Sprintf("%s %q not found", rm.name, in.ID)).WithDetail("id", in.ID)
		}
		return v, nil
	}, opts...)
}

// RegisterList registers the query name that returns a page of rows in
// key order (ListIn in, Page[T] out), honouring consistency tokens as
// RegisterGet does. For filters on indexes, use RegisterListBy.
func (rm *ReadModel[T]) RegisterList(name string, opts ...app.OpOption) *app.Operation {
	return RegisterListBy[ListIn](rm, name, opts...)
}

// RegisterListBy registers the query name that returns a page of rows in
// key order filtered by indexes: In is a struct that embeds ListIn and
// whose other fields, tagged `index:"name"`, are equality filters on the
// read model's indexes (a string, integer or bool, or a pointer to one).
// A zero value (a nil pointer) does not filter; use a pointer to filter on
// a zero value. It panics when a tagged field names no index or has
// another type.
//
//	type ListAccountsIn struct {
//		cqrs.ListIn
//		Owner string `json:"owner,omitempty" index:"owner" doc:"Only this owner's accounts"`
//	}
func RegisterListBy[In listInput, T any](rm *ReadModel[T], name string, opts ...app.OpOption) *app.Operation {
	filters := rm.compileFilters(reflect.TypeFor[In]())
	opts = append([]app.OpOption{rm.bus.ReadsFrom(rm.name)}, opts...)
	return app.Query(rm.bus.App(), name, func(ctx context.Context, in In) (Page[T], error) {
		page := in.listIn()
		q := RowQuery{After: page.After, Desc: page.Order == "desc", Limit: int(page.Limit)}
		if q.Limit <= 0 {
			q.Limit = rm.pageSize
		}
		q.Limit = min(q.Limit, MaxPageSize)
		if len(filters) > 0 {
			v := reflect.ValueOf(&in).Elem()
			for _, f := range filters {
				fv := v.FieldByIndex(f.field)
				if fv.IsZero() {
					continue
				}
				if fv.Kind() == reflect.Pointer {
					fv = fv.Elem()
				}
				q.Where = append(q.Where, RowFilter{Index: f.index, Value: formatIndexValue(fv)})
			}
		}
		p, err := rm.list(ctx, q)
		return p, edgeError(err)
	}, opts...)
}

type rmFilter struct {
	field []int
	index int
}

func (rm *ReadModel[T]) compileFilters(t reflect.Type) []rmFilter {
	var out []rmFilter
	for _, sf := range reflect.VisibleFields(t) {
		name, ok := sf.Tag.Lookup("index")
		if !ok {
			continue
		}
		i := rm.indexOf(name)
		if i < 0 {
			panic(fmt.Sprintf("cqrs: %s.%s: read model %s has no index %q", t, sf.Name, rm.name, name))
		}
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			panic(fmt.Sprintf("cqrs: %s.%s: an index filter must be a string, integer or bool, not %s", t, sf.Name, sf.Type))
		}
		out = append(out, rmFilter{field: sf.Index, index: i})
	}
	return out
}
