package gqlgendiff

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/allframe-go/allframe/app"
)

// Color is an enum; values outside EnumValues make output fields fail.
type Color string

// The values of Color.
const (
	Red   Color = "RED"
	Green Color = "GREEN"
	Blue  Color = "BLUE"
	// Purple is not a Color value: outputs holding it fail.
	Purple Color = "PURPLE"
)

var colors = []Color{Red, Green, Blue}

// EnumValues lists the values of Color.
func (Color) EnumValues() []string { return []string{"RED", "GREEN", "BLUE"} }

// Filter is an input object (FilterInput) echoed as an output object.
type Filter struct {
	Colors []Color   `json:"colors"`
	Min    *int      `json:"min"`
	Names  []*string `json:"names"`
	Exact  *bool     `json:"exact"`
	Inner  *Filter   `json:"inner"`
}

// ShapesIn is the input of shapes. Its limits keep every Int the data
// derive from the arguments within 32 bits.
type ShapesIn struct {
	Count  int       `json:"count" validate:"min=0,max=20"`
	Seed   int       `json:"seed" validate:"min=-1000,max=1000"`
	Bad    int       `json:"bad" validate:"min=-1000,max=1000"`
	Color  *Color    `json:"color"`
	Filter *Filter   `json:"filter"`
	IDs    []int     `json:"ids" validate:"max=10,dive,min=-1000,max=1000"`
	Names  []*string `json:"names"`
}

// Echo is what shapes read from its arguments.
type Echo struct {
	Count  int       `json:"count"`
	Seed   int       `json:"seed"`
	Color  *Color    `json:"color"`
	Filter *Filter   `json:"filter"`
	IDs    []int     `json:"ids"`
	Names  []*string `json:"names"`
}

// ShapesOut is the output of shapes: the same shapes in lists of every
// nullability.
type ShapesOut struct {
	Total   int      `json:"total"`
	Strict  []Shape  `json:"strict"`
	Lenient []*Shape `json:"lenient"`
	Grid    []Row    `json:"grid"`
	First   *Shape   `json:"first"`
	Echo    Echo     `json:"echo"`
}

// Shape is the object the lists hold.
type Shape struct {
	ID     int      `json:"id"`
	Name   string   `json:"name"`
	Color  Color    `json:"color"`
	Alt    *Color   `json:"alt"`
	Colors []Color  `json:"colors"`
	Maybe  []*Color `json:"maybe"`
	Tags   []string `json:"tags"`
	Scores []*int   `json:"scores"`
	Matrix []*Cells `json:"matrix"`
	Weight float64  `json:"weight"`
	Round  bool     `json:"round"`
	Child  *Shape   `json:"child"`
	Kids   []Shape  `json:"kids"`
}

// Row is a row of shapes (nested lists need an object between them: the
// App's type schema has no list of lists).
type Row struct {
	Shapes []*Shape `json:"shapes"`
}

// Cells is a row of numbers.
type Cells struct {
	Cells []*int `json:"cells"`
}

// ShapeIn is the input of shape.
type ShapeIn struct {
	ID   int `json:"id" validate:"required,min=-1000,max=1000"`
	Seed int `json:"seed" validate:"min=-1000,max=1000"`
	Bad  int `json:"bad" validate:"min=-1000,max=1000"`
}

// PaintIn is the input of paint.
type PaintIn struct {
	Color Color `json:"color" validate:"required"`
	IDs   []int `json:"ids" validate:"required,max=5,dive,min=-1000,max=1000"`
}

// PaintOut is the output of paint.
type PaintOut struct {
	Color  Color    `json:"color"`
	Shapes []*Shape `json:"shapes"`
}

// Unlucky is the seed that makes shapes fail.
const Unlucky = 13

// NullableItemBad is the bad argument that puts a value outside the enum
// into the third item of every shape's maybe, a nullable list item.
const NullableItemBad = 999

// Shapes returns in.Count shapes computed from the arguments.
func Shapes(_ context.Context, in ShapesIn) (ShapesOut, error) {
	if in.Seed == Unlucky {
		return ShapesOut{}, app.NewError(app.CodeAborted, "unlucky seed "+strconv.Itoa(in.Seed))
	}
	out := ShapesOut{
		Total: in.Count,
		Echo:  Echo{Count: in.Count, Seed: in.Seed, Color: in.Color, Filter: in.Filter, IDs: in.IDs, Names: in.Names},
	}
	for i := 1; i <= in.Count; i++ {
		s := shape(i, in.Seed, in.Bad, 0)
		if in.Color != nil && i%2 == 0 {
			s.Color = *in.Color
		}
		out.Strict = append(out.Strict, s)
		if i%4 == 0 {
			out.Lenient = append(out.Lenient, nil)
		} else {
			out.Lenient = append(out.Lenient, &s)
		}
	}
	for _, id := range in.IDs {
		row := []*Shape{}
		for k := range id % 4 {
			if k == 1 {
				row = append(row, nil)
				continue
			}
			s := shape(id+k, in.Seed, in.Bad, 1)
			row = append(row, &s)
		}
		out.Grid = append(out.Grid, Row{Shapes: row})
	}
	if len(out.Strict) > 0 {
		out.First = &out.Strict[0]
	}
	return out, nil
}

// ShapeOf returns the shape with in.ID.
func ShapeOf(_ context.Context, in ShapeIn) (Shape, error) {
	return shape(in.ID, in.Seed, in.Bad, 0), nil
}

// Paint returns the shapes of in.IDs in in.Color.
func Paint(_ context.Context, in PaintIn) (PaintOut, error) {
	out := PaintOut{Color: in.Color}
	for _, id := range in.IDs {
		if id < 0 {
			out.Shapes = append(out.Shapes, nil)
			continue
		}
		s := shape(id, 0, 0, 1)
		s.Color = in.Color
		out.Shapes = append(out.Shapes, &s)
	}
	return out, nil
}

// shape computes the shape with id; bad > 0 plants invalid enum values
// (see the package documentation).
func shape(id, seed, bad, depth int) Shape {
	n := id + seed
	s := Shape{
		ID:     id,
		Name:   "shape-" + strconv.Itoa(id),
		Color:  colors[mod(n, 3)],
		Colors: []Color{colors[mod(n+1, 3)], colors[mod(n+2, 3)]},
		Maybe:  []*Color{&colors[mod(n, 3)], nil, &colors[mod(n+1, 3)]},
		Tags:   []string{},
		Weight: float64(n)*0.25 + 1.5,
		Round:  n%2 == 0,
	}
	if id%2 == 1 {
		s.Alt = &colors[mod(n+2, 3)]
	}
	for k := range mod(n, 3) {
		s.Tags = append(s.Tags, "tag"+strconv.Itoa(k))
	}
	for k := range 3 {
		if k == mod(n, 3) {
			s.Scores = append(s.Scores, nil)
			continue
		}
		v := n*10 + k
		s.Scores = append(s.Scores, &v)
	}
	for r := range 2 {
		row := []*int{}
		for c := range 2 {
			if (r+c+n)%3 == 0 {
				row = append(row, nil)
				continue
			}
			v := r*2 + c + n
			row = append(row, &v)
		}
		if r == 1 && n%4 == 0 {
			s.Matrix = append(s.Matrix, nil)
			continue
		}
		s.Matrix = append(s.Matrix, &Cells{Cells: row})
	}
	if depth < 2 {
		if id%3 != 0 {
			c := shape(id+1, seed, bad, depth+1)
			s.Child = &c
		}
		for k := range mod(id, 3) {
			s.Kids = append(s.Kids, shape(id*10+k, seed, bad, depth+1))
		}
	}
	if s.Kids == nil {
		s.Kids = []Shape{}
	}
	purple := Purple
	if bad == NullableItemBad {
		s.Maybe[2] = &purple
	}
	if bad > 0 {
		switch id {
		case bad:
			s.Color = Purple
		case bad + 1:
			s.Alt = &purple
		case bad + 2:
			s.Colors[1] = Purple
		}
	}
	return s
}

func mod(a, b int) int { return ((a % b) + b) % b }

// NewApp returns the App serving shapes, shape and paint.
func NewApp(opts ...app.Option) *app.App {
	quiet := app.Logger(slog.New(slog.DiscardHandler))
	a := app.New(append([]app.Option{app.Name("gqlgendiff"), quiet}, opts...)...)
	app.Query(a, "shapes", Shapes, app.Describe("Shapes computed from the arguments"))
	app.Query(a, "shape", ShapeOf)
	app.Command(a, "paint", Paint)
	return a
}
