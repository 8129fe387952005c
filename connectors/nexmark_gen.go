package connectors

import (
	"math"
	"math/bits"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// nxRand is a SplitMix64 stream. Each (seed, event number, column) has its own stream, so a
// value never depends on which other columns or events were generated before it.
type nxRand struct{ s uint64 }

func nxMix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Stream tags: one per random decision of an event.
const (
	nxTagName uint64 = iota + 1
	nxTagEmail
	nxTagCreditCard
	nxTagCity
	nxTagState
	nxTagExtra
	nxTagItemName
	nxTagDescription
	nxTagInitialBid
	nxTagReserve
	nxTagExpires
	nxTagSeller
	nxTagCategory
	nxTagAuction
	nxTagBidder
	nxTagPrice
	nxTagChannel
	nxTagChannelURL
	nxTagHotURL
)

func nxEventRand(seed uint64, n int64, tag uint64) nxRand {
	return nxRand{s: nxMix(seed ^ nxMix(uint64(n)*0x9e3779b97f4a7c15+tag*0xd1b54a32d192ed03))}
}

func (r *nxRand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return nxMix(r.s)
}

// intn is uniform in [0, n).
func (r *nxRand) intn(n int64) int64 {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

func (r *nxRand) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// price is PriceGenerator.nextPrice: log-uniform in [100, 100_000_000] cents.
func (r *nxRand) price() int64 {
	return int64(math.Floor(math.Exp(r.float()*6*math.Ln10)*100 + 0.5))
}

// appendString is StringsGenerator.nextString: 3 to maxLength-1 characters, lower-case
// letters with a 1/13 chance of `space` each, trimmed of spaces (when space is ' ').
func (r *nxRand) appendString(buf []byte, maxLength int64, space byte) []byte {
	n := nxMinStringLength + r.intn(maxLength-nxMinStringLength)
	start := len(buf)
	for ; n > 0; n-- {
		x := r.intn(13 * 26) // one draw: 26 of 338 values are a space (1/13)
		if x < 26 {
			buf = append(buf, space)
		} else {
			buf = append(buf, byte('a'+x%26))
		}
	}
	if space == ' ' {
		s := buf[start:]
		i, j := 0, len(s)
		for i < j && s[i] == ' ' {
			i++
		}
		for j > i && s[j-1] == ' ' {
			j--
		}
		buf = append(buf[:start], s[i:j]...)
	}
	return buf
}

// appendExact appends n random lower-case letters (StringsGenerator.nextExactString).
func (r *nxRand) appendExact(buf []byte, n int) []byte {
	start := len(buf)
	buf = slices.Grow(buf, n)[:start+n]
	out := buf[start:]
	for i := 0; i < len(out); {
		x := r.next()
		for k := 0; k < 13 && i < len(out); k++ {
			out[i] = byte('a' + x%26)
			x /= 26
			i++
		}
	}
	return buf
}

// appendExtra is StringsGenerator.nextExtra: padding so that currentSize plus its length
// is on average desiredAverageSize.
func (r *nxRand) appendExtra(buf []byte, currentSize, desiredAverageSize int) []byte {
	if currentSize > desiredAverageSize {
		return buf
	}
	desired := desiredAverageSize - currentSize
	delta := int(math.Floor(float64(desired)*0.2 + 0.5))
	size := desired - delta
	if delta > 0 {
		size += int(r.intn(int64(2 * delta)))
	}
	return r.appendExact(buf, size)
}

// lastBase0PersonID is PersonGenerator.lastBase0PersonId.
func lastBase0PersonID(n int64) int64 {
	epoch, offset := n/nxTotalProportion, n%nxTotalProportion
	if offset >= nxPersonProportion {
		offset = nxPersonProportion - 1
	}
	return epoch*nxPersonProportion + offset
}

// nextBase0PersonID is PersonGenerator.nextBase0PersonId: one of the active people or a few ahead.
func nextBase0PersonID(n int64, r *nxRand) int64 {
	numPeople := lastBase0PersonID(n) + 1
	active := min(numPeople, nxNumActivePeople)
	return numPeople - active + r.intn(active+nxPersonIDLead)
}

// lastBase0AuctionID is AuctionGenerator.lastBase0AuctionId.
func lastBase0AuctionID(n int64) int64 {
	epoch, offset := n/nxTotalProportion, n%nxTotalProportion
	switch {
	case offset < nxPersonProportion:
		epoch--
		offset = nxAuctionProportion - 1
	case offset >= nxPersonProportion+nxAuctionProportion:
		offset = nxAuctionProportion - 1
	default:
		offset -= nxPersonProportion
	}
	return epoch*nxAuctionProportion + offset
}

// nextBase0AuctionID is AuctionGenerator.nextBase0AuctionId: one of the auctions likely in
// flight, or a few ahead.
func nextBase0AuctionID(n int64, r *nxRand) int64 {
	maxAuction := lastBase0AuctionID(n)
	minAuction := max(maxAuction-nxNumInFlightAuctions, 0)
	return minAuction + r.intn(maxAuction-minAuction+1+nxAuctionIDLead)
}

// nxChannels holds the bid channels and their urls: 4 hot ones and 10,000 others.
// Flink draws the urls from an unseeded Random; here they derive from the seed.
type nxChannels struct {
	hotURLs  [][]byte
	names    []byte // "channel-<i>" for i in [0, 10000), concatenated
	urls     []byte
	nameOffs []int32
	urlOffs  []int32
}

func nxBaseURL(buf []byte, r *nxRand) []byte {
	buf = append(buf, "https://www.nexmark.com/"...)
	for i := 0; i < 3; i++ {
		buf = r.appendString(buf, 5, '_')
		buf = append(buf, '/')
	}
	return append(buf, "item.htm?query=1"...)
}

func newNxChannels(seed uint64) *nxChannels {
	c := &nxChannels{nameOffs: make([]int32, 0, nxChannelsNumber+1), urlOffs: make([]int32, 0, nxChannelsNumber+1)}
	for i := range nxHotChannels {
		r := nxEventRand(seed, int64(i), nxTagHotURL)
		c.hotURLs = append(c.hotURLs, nxBaseURL(nil, &r))
	}
	c.nameOffs = append(c.nameOffs, 0)
	c.urlOffs = append(c.urlOffs, 0)
	for i := 0; i < nxChannelsNumber; i++ {
		c.names = strconv.AppendInt(append(c.names, "channel-"...), int64(i), 10)
		c.nameOffs = append(c.nameOffs, int32(len(c.names)))
		r := nxEventRand(seed, int64(i), nxTagChannelURL)
		c.urls = nxBaseURL(c.urls, &r)
		if r.intn(10) > 0 {
			id := int32(bits.Reverse32(uint32(i)))
			if id < 0 {
				id = -id // Math.abs: MinInt32 stays negative, as in Java
			}
			c.urls = strconv.AppendInt(append(c.urls, "&channel_id="...), int64(id), 10)
		}
		c.urlOffs = append(c.urlOffs, int32(len(c.urls)))
	}
	return c
}

// channel picks the channel of bid event n: hot index (>= 0) or channel number (< 0 means hot).
func nxChannelOf(seed uint64, n int64) (hot int, channel int) {
	r := nxEventRand(seed, n, nxTagChannel)
	if r.intn(nxHotChannelsRatio) > 0 {
		return int(r.intn(int64(len(nxHotChannels)))), -1
	}
	return -1, int(r.intn(nxChannelsNumber))
}

// nxGen builds batches; its scratch slices are reused from batch to batch.
type nxGen struct {
	s      *NexmarkSource
	mem    memory.Allocator
	events []int64 // global event numbers of the batch's rows
	times  []int64 // their event times (ms)
	buf    []byte  // string values of a column
	offs   []int32 // their offsets
}

func newNxGen(s *NexmarkSource) *nxGen {
	mem := s.spec.Mem
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &nxGen{s: s, mem: mem, buf: make([]byte, 0, 1024)}
}

// generate makes the rows [first, first+n) of the table.
func (g *nxGen) generate(first int64, n int) arrow.RecordBatch {
	s := g.s
	g.events, g.times = g.events[:0], g.times[:0]
	for k := first; k < first+int64(n); k++ {
		ev := s.table.eventNumber(k)
		g.events = append(g.events, ev)
		g.times = append(g.times, s.timestampForEvent(ev))
	}
	cols := make([]arrow.Array, len(s.cols))
	for i := range s.cols {
		cols[i] = g.column(&s.cols[i], n)
	}
	b := array.NewRecordBatch(s.spec.Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return b
}

func (g *nxGen) column(c *nxOut, n int) arrow.Array {
	switch c.field.Type.ID() {
	case arrow.INT64:
		b := array.NewInt64Builder(g.mem)
		defer b.Release()
		b.Reserve(n)
		for _, ev := range g.events {
			b.UnsafeAppend(g.int64Value(c.kind, ev))
		}
		return b.NewArray()
	case arrow.TIMESTAMP:
		b := array.NewTimestampBuilder(g.mem, c.field.Type.(*arrow.TimestampType))
		defer b.Release()
		b.Reserve(n)
		for i, ev := range g.events {
			ms := g.times[i]
			if c.kind == nxAuctionExpires {
				ms = g.expires(ev, ms)
			}
			b.UnsafeAppend(arrow.Timestamp(ms * c.mul / c.div))
		}
		return b.NewArray()
	default:
		// Values go into one reused byte slice, then into exact-size Arrow buffers.
		g.buf, g.offs = g.buf[:0], append(g.offs[:0], 0)
		for _, ev := range g.events {
			g.buf = g.stringValue(g.buf, c.kind, ev)
			g.offs = append(g.offs, int32(len(g.buf)))
		}
		offs := memory.NewResizableBuffer(g.mem)
		offs.Resize(4 * len(g.offs))
		copy(arrow.Int32Traits.CastFromBytes(offs.Bytes()), g.offs)
		data := memory.NewResizableBuffer(g.mem)
		data.Resize(len(g.buf))
		copy(data.Bytes(), g.buf)
		d := array.NewData(c.field.Type, n, []*memory.Buffer{nil, offs, data}, nil, 0, 0)
		offs.Release()
		data.Release()
		defer d.Release()
		return array.MakeFromData(d)
	}
}

func (g *nxGen) int64Value(k nxKind, ev int64) int64 {
	seed := g.s.seed
	switch k {
	case nxPersonID:
		return lastBase0PersonID(ev) + nxFirstPersonID
	case nxAuctionID:
		return lastBase0AuctionID(ev) + nxFirstAuctionID
	case nxAuctionInitialBid:
		r := nxEventRand(seed, ev, nxTagInitialBid)
		return r.price()
	case nxAuctionReserve:
		r := nxEventRand(seed, ev, nxTagInitialBid)
		r2 := nxEventRand(seed, ev, nxTagReserve)
		return r.price() + r2.price()
	case nxAuctionSeller:
		r := nxEventRand(seed, ev, nxTagSeller)
		if r.intn(nxHotSellersRatio) > 0 {
			return lastBase0PersonID(ev)/nxHotSellerBatch*nxHotSellerBatch + nxFirstPersonID
		}
		return nextBase0PersonID(ev, &r) + nxFirstPersonID
	case nxAuctionCategory:
		r := nxEventRand(seed, ev, nxTagCategory)
		return nxFirstCategoryID + r.intn(nxNumCategories)
	case nxBidAuction:
		r := nxEventRand(seed, ev, nxTagAuction)
		if r.intn(nxHotAuctionRatio) > 0 {
			return lastBase0AuctionID(ev)/nxHotAuctionBatch*nxHotAuctionBatch + nxFirstAuctionID
		}
		return nextBase0AuctionID(ev, &r) + nxFirstAuctionID
	case nxBidBidder:
		r := nxEventRand(seed, ev, nxTagBidder)
		if r.intn(nxHotBiddersRatio) > 0 {
			// The second person of the batch, so hot bidders and hot sellers differ.
			return lastBase0PersonID(ev)/nxHotBidderBatch*nxHotBidderBatch + 1 + nxFirstPersonID
		}
		return nextBase0PersonID(ev, &r) + nxFirstPersonID
	case nxBidPrice:
		r := nxEventRand(seed, ev, nxTagPrice)
		return r.price()
	}
	panic("nexmark: not a BIGINT column")
}

// expires is AuctionGenerator.nextAuctionLengthMs added to the auction's time: on average
// the time until numInFlightAuctions more auctions have been created.
func (g *nxGen) expires(ev, ts int64) int64 {
	const eventsForAuctions = nxNumInFlightAuctions * nxTotalProportion / nxAuctionProportion
	horizon := g.s.timestampForEvent(ev+eventsForAuctions) - ts
	r := nxEventRand(g.s.seed, ev, nxTagExpires)
	return ts + 1 + r.intn(max(horizon*2, 1))
}

func (g *nxGen) stringValue(buf []byte, k nxKind, ev int64) []byte {
	seed := g.s.seed
	switch k {
	case nxPersonName:
		r := nxEventRand(seed, ev, nxTagName)
		f, l := r.intn(int64(len(nxFirstNames))), r.intn(int64(len(nxLastNames)))
		buf = append(buf, nxFirstNames[f]...)
		buf = append(buf, ' ')
		return append(buf, nxLastNames[l]...)
	case nxPersonEmail:
		r := nxEventRand(seed, ev, nxTagEmail)
		buf = r.appendString(buf, 7, ' ')
		buf = append(buf, '@')
		buf = r.appendString(buf, 5, ' ')
		return append(buf, ".com"...)
	case nxPersonCreditCard:
		r := nxEventRand(seed, ev, nxTagCreditCard)
		for i := 0; i < 4; i++ {
			if i > 0 {
				buf = append(buf, ' ')
			}
			v := r.intn(10000)
			buf = append(buf, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
		}
		return buf
	case nxPersonCity:
		r := nxEventRand(seed, ev, nxTagCity)
		return append(buf, nxUSCities[r.intn(int64(len(nxUSCities)))]...)
	case nxPersonState:
		r := nxEventRand(seed, ev, nxTagState)
		return append(buf, nxUSStates[r.intn(int64(len(nxUSStates)))]...)
	case nxPersonExtra:
		// The sizes of the other fields, as Flink counts them.
		start := len(buf)
		buf = g.stringValue(buf, nxPersonName, ev)
		buf = g.stringValue(buf, nxPersonEmail, ev)
		buf = g.stringValue(buf, nxPersonCity, ev)
		size := 8 + len(buf) - start + 19 + 2
		buf = buf[:start]
		r := nxEventRand(seed, ev, nxTagExtra)
		return r.appendExtra(buf, size, nxAvgPersonByteSize)
	case nxAuctionItemName:
		r := nxEventRand(seed, ev, nxTagItemName)
		return r.appendString(buf, 20, ' ')
	case nxAuctionDescription:
		r := nxEventRand(seed, ev, nxTagDescription)
		return r.appendString(buf, 100, ' ')
	case nxAuctionExtra:
		start := len(buf)
		buf = g.stringValue(buf, nxAuctionItemName, ev)
		buf = g.stringValue(buf, nxAuctionDescription, ev)
		size := 8 + len(buf) - start + 8*5
		buf = buf[:start]
		r := nxEventRand(seed, ev, nxTagExtra)
		return r.appendExtra(buf, size, nxAvgAuctionByteSize)
	case nxBidChannel:
		c := g.s.channels
		if hot, ch := nxChannelOf(seed, ev); hot >= 0 {
			return append(buf, nxHotChannels[hot]...)
		} else {
			return append(buf, c.names[c.nameOffs[ch]:c.nameOffs[ch+1]]...)
		}
	case nxBidURL:
		c := g.s.channels
		if hot, ch := nxChannelOf(seed, ev); hot >= 0 {
			return append(buf, c.hotURLs[hot]...)
		} else {
			return append(buf, c.urls[c.urlOffs[ch]:c.urlOffs[ch+1]]...)
		}
	case nxBidExtra:
		r := nxEventRand(seed, ev, nxTagExtra)
		return r.appendExtra(buf, 8*4, nxAvgBidByteSize)
	}
	panic("nexmark: not a STRING column")
}
