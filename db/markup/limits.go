package markup

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Limits that keep rendering roughly linear in the size of the source.
// goldmark, like most CommonMark parsers, has inputs whose cost grows with
// the square of their length (a line of 100 000 "> ", a paragraph of
// "[a](" or "*a_" repeated) and a table extension that pads every row to
// the header's width (10 KB of source became 31 MB of HTML). The parsers
// are wrapped so that beyond these limits the excess stays literal text.
const (
	// MaxSourceBytes is the longest Markdown source Render accepts; forms
	// check their own, smaller limits first.
	MaxSourceBytes = 1 << 20
	// MaxNesting is how deeply block quotes and lists may nest; a deeper
	// ">" or list marker stays text.
	MaxNesting = 16
	// MaxDelimiters is how many emphasis and strikethrough delimiter runs
	// ("*", "__", "~~") one paragraph may open; later ones stay text.
	MaxDelimiters = 256
	// MaxLinkClosers is how many "]" one paragraph may try as the end of
	// a link; later ones stay text.
	MaxLinkClosers = 256
	// MaxTableCells is how many cells, counting those added to fill short
	// rows, the tables of one document may have; a larger table stays a
	// paragraph.
	MaxTableCells = 100_000
	// maxExpansion is how many bytes of link and image destinations and
	// titles a document may carry beyond its own length: a reference
	// definition used many times is repeated in the HTML each time.
	maxExpansion = 256 << 10
)

// limitedGFM is GitHub-flavoured Markdown (autolinks, task lists, tables,
// strikethrough) with the table and strikethrough parsers bounded; it
// replaces extension.GFM and registers at the same priorities.
type limitedGFM struct{}

func (limitedGFM) Extend(m goldmark.Markdown) {
	extension.Linkify.Extend(m)
	extension.TaskList.Extend(m)
	m.Parser().AddOptions(
		parser.WithParagraphTransformers(util.Prioritized(boundedTable{extension.NewTableParagraphTransformer()}, 200)),
		parser.WithASTTransformers(util.Prioritized(extension.NewTableASTTransformer(), 0)),
		parser.WithInlineParsers(util.Prioritized(countedInline{extension.NewStrikethroughParser(), delimitersKey, MaxDelimiters}, 500)),
	)
	m.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(extension.NewTableHTMLRenderer(), 500),
		util.Prioritized(extension.NewStrikethroughHTMLRenderer(), 500),
	))
}

// newParser is goldmark's default parser (parser.DefaultBlockParsers and
// DefaultInlineParsers, same priorities) with block quotes and lists
// bounded in depth and emphasis and links bounded in number per block.
func newParser() parser.Parser {
	link := parser.NewLinkParser()
	return parser.NewParser(
		parser.WithBlockParsers(
			util.Prioritized(parser.NewSetextHeadingParser(), 100),
			util.Prioritized(parser.NewThematicBreakParser(), 200),
			util.Prioritized(nestingBounded{parser.NewListParser()}, 300),
			util.Prioritized(parser.NewListItemParser(), 400),
			util.Prioritized(parser.NewCodeBlockParser(), 500),
			util.Prioritized(parser.NewATXHeadingParser(), 600),
			util.Prioritized(parser.NewFencedCodeBlockParser(), 700),
			util.Prioritized(nestingBounded{parser.NewBlockquoteParser()}, 800),
			util.Prioritized(parser.NewHTMLBlockParser(), 900),
			util.Prioritized(parser.NewParagraphParser(), 1000),
		),
		parser.WithInlineParsers(
			util.Prioritized(memoCodeSpan{parser.NewCodeSpanParser()}, 100),
			util.Prioritized(countedLink{countedInline{link, linkClosersKey, MaxLinkClosers}, link.(parser.CloseBlocker)}, 200),
			util.Prioritized(parser.NewAutoLinkParser(), 300),
			util.Prioritized(parser.NewRawHTMLParser(), 400),
			util.Prioritized(countedInline{parser.NewEmphasisParser(), delimitersKey, MaxDelimiters}, 500),
		),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
		parser.WithAutoHeadingID(),
	)
}

// nestingBounded refuses to open a block quote or list inside MaxNesting
// others; the line is then parsed as if the marker were text.
type nestingBounded struct{ parser.BlockParser }

func (b nestingBounded) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	if nesting(parent) >= MaxNesting {
		return nil, parser.NoChildren
	}
	return b.BlockParser.Open(parent, reader, pc)
}

// nesting counts the block quotes and lists that contain n, n included.
func nesting(n ast.Node) int {
	d := 0
	for ; n != nil; n = n.Parent() {
		if k := n.Kind(); k == ast.KindBlockquote || k == ast.KindList {
			d++
		}
	}
	return d
}

var (
	delimitersKey  = parser.NewContextKey()
	linkClosersKey = parser.NewContextKey()
)

// blockCount counts calls for one block at a time.
type blockCount struct {
	block ast.Node
	n     int
}

// countedInline lets an inline parser run at most max times per block
// (paragraph, heading, table cell); after that its trigger stays text.
type countedInline struct {
	parser.InlineParser
	key parser.ContextKey
	max int
}

func (c countedInline) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	bc, _ := pc.Get(c.key).(*blockCount)
	if bc == nil {
		bc = &blockCount{}
		pc.Set(c.key, bc)
	}
	if bc.block != parent {
		bc.block, bc.n = parent, 0
	}
	if bc.n >= c.max {
		return nil
	}
	bc.n++
	return c.InlineParser.Parse(parent, block, pc)
}

// countedLink bounds the link parser's "]" (the one that scans ahead for
// a destination or label); "[" and "![" only push a marker and are not
// counted. It keeps the parser's CloseBlock, which turns unclosed markers
// back into text.
type countedLink struct {
	countedInline
	closer parser.CloseBlocker
}

func (c countedLink) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	if line, _ := block.PeekLine(); len(line) > 0 && line[0] == ']' {
		return c.countedInline.Parse(parent, block, pc)
	}
	return c.InlineParser.Parse(parent, block, pc)
}

func (c countedLink) CloseBlock(parent ast.Node, block text.Reader, pc parser.Context) {
	c.closer.CloseBlock(parent, block, pc)
}

var backtickRunsKey = parser.NewContextKey()

// backtickRuns records, for one block, where the last run of each length
// of backticks starts (an offset in the source).
type backtickRuns struct {
	block ast.Node
	last  map[int]int
}

// memoCodeSpan spares goldmark's code span parser its search for a closing
// run of backticks when the block has none of the opener's length after
// it: a backslash and two backticks, repeated, made every opener scan to
// the end of the block.
type memoCodeSpan struct{ parser.InlineParser }

func (c memoCodeSpan) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	k := 0
	for k < len(line) && line[k] == '`' {
		k++
	}
	runs, _ := pc.Get(backtickRunsKey).(*backtickRuns)
	if runs == nil || runs.block != parent {
		runs = &backtickRuns{block: parent, last: lastRuns(block)}
		pc.Set(backtickRunsKey, runs)
	}
	if runs.last[k] <= seg.Start {
		// What the parser answers when it finds no closer: the opener
		// as text.
		block.Advance(k)
		return ast.NewTextSegment(seg.WithStop(seg.Start + k))
	}
	return c.InlineParser.Parse(parent, block, pc)
}

// lastRuns scans a block from the reader's position to its end and
// returns where the last run of each length of backticks starts; the
// reader is left where it was.
func lastRuns(block text.Reader) map[int]int {
	l, pos := block.Position()
	defer block.SetPosition(l, pos)
	last := map[int]int{}
	for {
		line, seg := block.PeekLine()
		if line == nil {
			return last
		}
		for i := 0; i < len(line); {
			if line[i] != '`' {
				i++
				continue
			}
			j := i
			for j < len(line) && line[j] == '`' {
				j++
			}
			last[j-i] = seg.Start + i
			i = j
		}
		block.AdvanceLine()
	}
}

var tableCellsKey = parser.NewContextKey()

// boundedTable makes a table only while the document's tables stay within
// MaxTableCells, counted before goldmark builds one: rows times the widest
// delimiter row, an upper bound of the cells it would make (it pads short
// rows to the header's width).
type boundedTable struct{ parser.ParagraphTransformer }

func (t boundedTable) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	if lines.Len() < 2 {
		return
	}
	src := reader.Source()
	cols := 0
	for i := 1; i < lines.Len(); i++ {
		seg := lines.At(i)
		line := seg.Value(src)
		if delimiterRow(line) {
			cols = max(cols, bytes.Count(line, []byte{'|'})+1)
		}
	}
	if cols == 0 {
		return
	}
	used, _ := pc.Get(tableCellsKey).(int)
	cells := cols * lines.Len()
	if cells > MaxTableCells-used {
		return
	}
	pc.Set(tableCellsKey, used+cells)
	t.ParagraphTransformer.Transform(node, reader, pc)
}

// delimiterRow reports whether a line could be a table's delimiter row
// ("|---|:-:|"); it accepts every line goldmark's check does.
func delimiterRow(line []byte) bool {
	dash := false
	for _, b := range line {
		switch b {
		case '-':
			dash = true
		case '|', ':', ' ', '\t', '\n', '\r', '\v', '\f':
		default:
			return false
		}
	}
	return dash
}

// expansion sums the bytes of link and image destinations and titles in a
// document: each use of a reference definition repeats them.
func expansion(doc ast.Node) int {
	n := 0
	_ = ast.Walk(doc, func(node ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch l := node.(type) {
		case *ast.Link:
			n += len(l.Destination) + len(l.Title)
		case *ast.Image:
			n += len(l.Destination) + len(l.Title)
		}
		return ast.WalkContinue, nil
	})
	return n
}
