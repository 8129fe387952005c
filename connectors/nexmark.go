package connectors

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/exec/expr"
)

func init() {
	Register(&Factory{
		Name: "nexmark",
		Options: []OptionSpec{
			{Key: "table", Required: true, Doc: "which Nexmark entity the table holds: person, auction or bid"},
			{Key: "events.num", Doc: "total events of the global stream (persons, auctions and bids together); unbounded when absent"},
			{Key: "tps", Default: "10000", Doc: "event-time rate: events per second of event time (dateTime advances 1 s / tps per event)"},
			{Key: "max-emit-speed", Doc: "wall-clock cap on events of the global stream per second; default: as fast as possible"},
			{Key: "first-event.time", Default: "2026-11-01 00:00:00", Doc: "event time of event 0: epoch millis or 'yyyy-MM-dd HH:mm:ss[.SSS]' (UTC)"},
			{Key: "seed", Default: "0", Doc: "seed of the random values; the same options give the same stream"},
		},
		NewSource: newNexmarkSource,
	})
}

// The Nexmark model, with the constants of the Flink nexmark generator (GeneratorConfig,
// NexmarkConfiguration defaults, Person/Auction/BidGenerator).
const (
	nxFirstPersonID     = 1000
	nxFirstAuctionID    = 1000
	nxFirstCategoryID   = 10
	nxPersonProportion  = 1
	nxAuctionProportion = 3
	nxBidProportion     = 46
	nxTotalProportion   = nxPersonProportion + nxAuctionProportion + nxBidProportion

	nxHotAuctionRatio      = 2   // P(bid on the hot auction) = 1 - 1/2
	nxHotBiddersRatio      = 4   // P(bid by a hot bidder) = 1 - 1/4
	nxHotSellersRatio      = 4   // P(auction by a hot seller) = 1 - 1/4
	nxHotAuctionBatch      = 100 // BidGenerator.HOT_AUCTION_RATIO
	nxHotBidderBatch       = 100 // BidGenerator.HOT_BIDDER_RATIO
	nxHotSellerBatch       = 100 // AuctionGenerator.HOT_SELLER_RATIO
	nxNumActivePeople      = 1000
	nxNumInFlightAuctions  = 100
	nxPersonIDLead         = 10
	nxAuctionIDLead        = 10
	nxNumCategories        = 5
	nxHotChannelsRatio     = 2
	nxChannelsNumber       = 10000
	nxAvgPersonByteSize    = 200
	nxAvgAuctionByteSize   = 500
	nxAvgBidByteSize       = 100
	nxMinStringLength      = 3
	nxDefaultFirstEventUTC = "2026-11-01 00:00:00"
)

var (
	nxUSStates    = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	nxUSCities    = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	nxFirstNames  = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	nxLastNames   = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	nxHotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
)

// nxKind identifies one generated column.
type nxKind int

const (
	nxPersonID nxKind = iota
	nxPersonName
	nxPersonEmail
	nxPersonCreditCard
	nxPersonCity
	nxPersonState
	nxPersonExtra
	nxAuctionID
	nxAuctionItemName
	nxAuctionDescription
	nxAuctionInitialBid
	nxAuctionReserve
	nxAuctionExpires
	nxAuctionSeller
	nxAuctionCategory
	nxAuctionExtra
	nxBidAuction
	nxBidBidder
	nxBidPrice
	nxBidChannel
	nxBidURL
	nxBidExtra
	nxDateTime
)

type nxSQLType int

const (
	nxBigint nxSQLType = iota
	nxString
	nxTimestamp
)

type nxColumn struct {
	name string
	typ  nxSQLType
	kind nxKind
}

// nxTable is one entity: its columns and where its events sit in each block of 50 events.
type nxTable struct {
	name    string
	columns []nxColumn
	offset  int64 // first event of the entity in a block
	count   int64 // events of the entity in a block
}

var nexmarkTables = map[string]*nxTable{
	"person": {name: "person", offset: 0, count: nxPersonProportion, columns: []nxColumn{
		{"id", nxBigint, nxPersonID}, {"name", nxString, nxPersonName}, {"emailAddress", nxString, nxPersonEmail},
		{"creditCard", nxString, nxPersonCreditCard}, {"city", nxString, nxPersonCity}, {"state", nxString, nxPersonState},
		{"dateTime", nxTimestamp, nxDateTime}, {"extra", nxString, nxPersonExtra},
	}},
	"auction": {name: "auction", offset: nxPersonProportion, count: nxAuctionProportion, columns: []nxColumn{
		{"id", nxBigint, nxAuctionID}, {"itemName", nxString, nxAuctionItemName}, {"description", nxString, nxAuctionDescription},
		{"initialBid", nxBigint, nxAuctionInitialBid}, {"reserve", nxBigint, nxAuctionReserve}, {"dateTime", nxTimestamp, nxDateTime},
		{"expires", nxTimestamp, nxAuctionExpires}, {"seller", nxBigint, nxAuctionSeller}, {"category", nxBigint, nxAuctionCategory},
		{"extra", nxString, nxAuctionExtra},
	}},
	"bid": {name: "bid", offset: nxPersonProportion + nxAuctionProportion, count: nxBidProportion, columns: []nxColumn{
		{"auction", nxBigint, nxBidAuction}, {"bidder", nxBigint, nxBidBidder}, {"price", nxBigint, nxBidPrice},
		{"channel", nxString, nxBidChannel}, {"url", nxString, nxBidURL}, {"dateTime", nxTimestamp, nxDateTime},
		{"extra", nxString, nxBidExtra},
	}},
}

// eventNumber is the global event number of the k-th event (0-based) of the entity.
func (t *nxTable) eventNumber(k int64) int64 {
	return k/t.count*nxTotalProportion + t.offset + k%t.count
}

// rowsBefore is how many events of the entity have a global event number below n.
func (t *nxTable) rowsBefore(n int64) int64 {
	return n/nxTotalProportion*t.count + min(max(n%nxTotalProportion-t.offset, 0), t.count)
}

// NexmarkSource generates one table of the Nexmark benchmark's event stream: the global
// stream of persons, auctions and bids (1:3:46 in every block of 50 events) from which it
// keeps only its entity. Every value is a pure function of (seed, event number, column), so
// the stream does not depend on batch sizes, on the columns read, or on the wall clock.
type NexmarkSource struct {
	spec     TableSpec
	table    *nxTable
	cols     []nxOut
	total    int64 // rows of this table to generate; -1 = unbounded
	rate     int64 // global events per wall-clock second; 0 = unpaced
	baseTime int64 // event time of event 0, epoch millis
	delayUs  float64
	seed     uint64
	channels *nxChannels
	resumed  int64 // rows already generated before a restore
}

var _ Resumable = (*NexmarkSource)(nil)

type nxOut struct {
	kind  nxKind
	field arrow.Field
	// timestamps: value in the field's unit = ms*mul/div
	mul, div int64
}

func newNexmarkSource(spec TableSpec) (Source, error) {
	o := spec.Options
	tname := strings.ToLower(strings.TrimSpace(o["table"]))
	table, ok := nexmarkTables[tname]
	if !ok {
		return nil, fmt.Errorf("nexmark table '%s': option 'table' must be person, auction or bid, got '%s'", spec.Name, o["table"])
	}
	s := &NexmarkSource{spec: spec, table: table, total: -1}
	events, err := intOption(o, "events.num", -1)
	if err != nil {
		return nil, err
	}
	if _, ok := o["events.num"]; ok {
		if events < 0 {
			return nil, fmt.Errorf("option 'events.num' must not be negative, got %d", events)
		}
		s.total = table.rowsBefore(events)
	}
	tps, err := intOption(o, "tps", 10000)
	if err != nil {
		return nil, err
	}
	if tps <= 0 {
		return nil, fmt.Errorf("option 'tps' must be positive, got %d", tps)
	}
	s.delayUs = 1e6 / float64(tps)
	if s.rate, err = intOption(o, "max-emit-speed", 0); err != nil {
		return nil, err
	}
	if s.rate < 0 {
		return nil, fmt.Errorf("option 'max-emit-speed' must not be negative, got %d", s.rate)
	}
	first := nxDefaultFirstEventUTC
	if v, ok := o["first-event.time"]; ok {
		first = v
	}
	if s.baseTime, err = parseFirstEventTime(first); err != nil {
		return nil, err
	}
	seed, err := intOption(o, "seed", 0)
	if err != nil {
		return nil, err
	}
	s.seed = uint64(seed)

	// Every declared column must be one of the entity's; the read ones must have its type.
	byName := map[string]nxColumn{}
	var names []string
	for _, c := range table.columns {
		byName[strings.ToLower(c.name)] = c
		names = append(names, c.name)
	}
	unknown := func(col string) error {
		return fmt.Errorf("nexmark table '%s': column '%s' is not a column of the Nexmark %s table; its columns are: %s",
			spec.Name, col, table.name, strings.Join(names, ", "))
	}
	for _, c := range spec.Columns {
		if _, ok := byName[strings.ToLower(c)]; !ok {
			return nil, unknown(c)
		}
	}
	for _, f := range spec.Schema.Fields() {
		c, ok := byName[strings.ToLower(f.Name)]
		if !ok {
			return nil, unknown(f.Name)
		}
		out := nxOut{kind: c.kind, field: f, mul: 1, div: 1}
		good := false
		switch c.typ {
		case nxBigint:
			good = f.Type.ID() == arrow.INT64
		case nxString:
			good = f.Type.ID() == arrow.STRING
		case nxTimestamp:
			if ts, ok := f.Type.(*arrow.TimestampType); ok {
				good = true
				switch ts.Unit {
				case arrow.Second:
					out.div = 1000
				case arrow.Microsecond:
					out.mul = 1000
				case arrow.Nanosecond:
					out.mul = 1000000
				}
			}
		}
		if !good {
			want := map[nxSQLType]string{nxBigint: "BIGINT", nxString: "STRING", nxTimestamp: "TIMESTAMP(3)"}[c.typ]
			return nil, fmt.Errorf("nexmark table '%s': column '%s' is %s in the Nexmark %s table, but is declared %s",
				spec.Name, f.Name, want, table.name, expr.TypeName(f.Type))
		}
		if c.kind == nxBidChannel || c.kind == nxBidURL {
			if s.channels == nil {
				s.channels = newNxChannels(s.seed)
			}
		}
		s.cols = append(s.cols, out)
	}
	return s, nil
}

// parseFirstEventTime reads epoch millis or 'yyyy-MM-dd HH:mm:ss[.SSS]' in UTC.
func parseFirstEventTime(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return ms, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("option 'first-event.time' must be epoch milliseconds or 'yyyy-MM-dd HH:mm:ss', got '%s'", v)
}

// Schema is the schema of the batches the source emits.
func (s *NexmarkSource) Schema() *arrow.Schema { return s.spec.Schema }

// Run generates the table's rows until 'events.num' events of the global stream are
// covered (then emits End) or ctx is cancelled.
func (s *NexmarkSource) Run(ctx context.Context, out exec.Emitter) error {
	batch := int64(max(s.spec.BatchSize, 1))
	if s.rate > 0 {
		// At least ten batches a second.
		batch = min(batch, max(s.rate*s.table.count/nxTotalProportion/10, 1))
	}
	g := newNxGen(s)
	done := s.resumed
	start := time.Now()
	if s.rate > 0 {
		start = start.Add(-time.Duration(float64(s.table.eventNumber(done)) / float64(s.rate) * float64(time.Second)))
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for s.total < 0 || done < s.total {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := batch
		if s.total >= 0 {
			n = min(n, s.total-done)
		}
		if s.rate > 0 {
			ev := s.table.eventNumber(done)
			due := start.Add(time.Duration(float64(ev) / float64(s.rate) * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				timer.Reset(wait)
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-timer.C:
				}
			}
		}
		b := g.generate(done, int(n))
		done += n
		m := exec.BatchMessage(b, nil)
		m.Position = rowsPosition{Version: 1, Rows: done}
		err := out.Emit(m)
		b.Release()
		if err != nil {
			return err
		}
	}
	return out.Emit(exec.EndMessage())
}

// timestampForEvent is GeneratorConfig.timestampForEvent: the event time of event n, in ms.
func (s *NexmarkSource) timestampForEvent(n int64) int64 {
	return s.baseTime + int64(float64(n)*s.delayUs)/1000
}
