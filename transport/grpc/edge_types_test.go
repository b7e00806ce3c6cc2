package grpc

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"time"

	"github.com/allframe-go/allframe/app"
)

// The edge test app exercises every mapping of the codec and every naming
// rule of the descriptors; the external tests compile its .proto with
// protoc and the fuzz tests compare its codec with protobuf-go.

// Kind is an enum whose values clash once upper-cased.
type Kind string

// EnumValues implements app.Enum.
func (Kind) EnumValues() []string { return []string{"alpha", "beta-gamma", "betaGamma", "3d"} }

// node is recursive and unexported: its message name is lower-case.
type node struct {
	Value    int32   `json:"value"`
	Children []*node `json:"children"`
	Next     *node   `json:"next"`
}

// LabelsEntry has the name protoc gives the entry of a map field "labels".
type LabelsEntry struct {
	X string `json:"x"`
}

// Inner is nested by value in Sub.
type Inner struct {
	X []int32 `json:"x"`
}

// Sub is a nested message.
type Sub struct {
	N     int32     `json:"n"`
	S     string    `json:"s"`
	T     time.Time `json:"t"`
	Inner Inner     `json:"inner"`
}

// Embedded is flattened into Everything.
type Embedded struct {
	EmbeddedField string `json:"embeddedField"`
}

// Everything holds a field of every shape the codec supports.
type Everything struct {
	B   bool            `json:"b"`
	I8  int8            `json:"i8"`
	I16 int16           `json:"i16"`
	I32 int32           `json:"i32"`
	I64 int64           `json:"i64"`
	I   int             `json:"i"`
	U8  uint8           `json:"u8"`
	U16 uint16          `json:"u16"`
	U32 uint32          `json:"u32"`
	U64 uint64          `json:"u64"`
	U   uint            `json:"u"`
	F32 float32         `json:"f32"`
	F64 float64         `json:"f64"`
	S   string          `json:"s"`
	K   Kind            `json:"k"`
	By  []byte          `json:"by"`
	T   time.Time       `json:"t"`
	D   time.Duration   `json:"d"`
	A   any             `json:"a"`
	R   json.RawMessage `json:"r"`
	Far string          `json:"far" proto:"5000"`

	PB   *bool            `json:"pb"`
	PI8  *int8            `json:"pi8"`
	PI   *int             `json:"pi"`
	PU64 *uint64          `json:"pu64"`
	PF32 *float32         `json:"pf32"`
	PF64 *float64         `json:"pf64"`
	PS   *string          `json:"ps"`
	PK   *Kind            `json:"pk"`
	PBy  *[]byte          `json:"pby"`
	PT   *time.Time       `json:"pt"`
	PD   *time.Duration   `json:"pd"`
	PA   *any             `json:"pa"`
	PR   *json.RawMessage `json:"pr"`

	Sub  Sub  `json:"sub"`
	PSub *Sub `json:"psub"`

	LB   []bool            `json:"lb"`
	LI8  []int8            `json:"li8"`
	LI32 []int32           `json:"li32"`
	LI64 []int64           `json:"li64"`
	LU32 []uint32          `json:"lu32"`
	LU64 []uint64          `json:"lu64"`
	LF32 []float32         `json:"lf32"`
	LF64 []float64         `json:"lf64"`
	LS   []string          `json:"ls"`
	LK   []Kind            `json:"lk"`
	LBy  [][]byte          `json:"lby"`
	LT   []time.Time       `json:"lt"`
	LD   []time.Duration   `json:"ld"`
	LA   []any             `json:"la"`
	LR   []json.RawMessage `json:"lr"`
	LSub []Sub             `json:"lsub"`
	LPS  []*Sub            `json:"lps"`
	LPSt []*string         `json:"lpst"`
	LPI  []*int32          `json:"lpi"`
	LPT  []*time.Time      `json:"lpt"`

	PLS  *[]string         `json:"pls"`
	PLSb *[]Sub            `json:"plsb"`
	PM   *map[string]int32 `json:"pm"`

	MSS   map[string]string        `json:"mss"`
	MI32  map[int32]string         `json:"mi32"`
	MI64  map[int64]int64          `json:"mi64"`
	MU32  map[uint32]bool          `json:"mu32"`
	MU64  map[uint64]float64       `json:"mu64"`
	MB    map[bool]string          `json:"mb"`
	MI8   map[int8]int8            `json:"mi8"`
	MKS   map[Kind]string          `json:"mks"`
	MSK   map[string]Kind          `json:"msk"`
	MSSub map[string]Sub           `json:"mssub"`
	MSPS  map[string]*Sub          `json:"msps"`
	MST   map[string]time.Time     `json:"mst"`
	MSD   map[string]time.Duration `json:"msd"`
	MSA   map[string]any           `json:"msa"`
	MSBy  map[string][]byte        `json:"msby"`
	MSPI  map[string]*int32        `json:"mspi"`
	MSPT  map[string]*time.Time    `json:"mspt"`

	Node   *node                  `json:"node"`
	Labels map[string]LabelsEntry `json:"labels"`
	Clash1 string                 `json:"userID"`
	Clash2 string                 `json:"userId"`
	Dash   string                 `json:"x-dash"`
	Digit  string                 `json:"1st"`
	Opt    string                 `json:"optional"`
	Msg    string                 `json:"message"`
	Dep    string                 `json:"dep" deprecated:"true"`
	Embedded
}

// EdgeApp returns the edge test app.
func EdgeApp() *app.App {
	a := app.New(app.Name("edge"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	app.Command(a, "echo", func(_ context.Context, in Everything) (Everything, error) { return in, nil })
	app.Query(a, "ping", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
	app.Stream(a, "walk", func(_ context.Context, in node, send func(node) error) error {
		for n := &in; n != nil; n = n.Next {
			if err := send(*n); err != nil {
				return err
			}
		}
		return nil
	})
	return a
}
