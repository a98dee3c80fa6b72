/* flame_svg.c: a flame graph (flame.c's tree of stacks) drawn as inline SVG for the
 * report: boxes as wide as their bytes, named where they have room, with a click-to-zoom
 * script the page works without. Draws only: the caller builds and frees the tree. */
#include "flame.h"
#include "flame_svg.h"
#include "output.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FW 1068.0  /* a flame graph's width in SVG units */
#define FROW 17.0  /* a frame's row */
#define FMIN 0.5   /* narrower frames are left out; their bytes stay in their parent's box */
#define FCHAR 6.7  /* a character of the frames' 11-unit monospace font, wide enough for most */

/* The deepest frame wide enough to draw under node i. */
static int flame_top(const struct mtan_flame *fl, size_t i, double scale)
{
	int d = fl->v[i].depth;
	for (size_t c = fl->v[i].child; c; c = fl->v[c].next) {
		if ((double)fl->v[c].bytes * scale < FMIN)
			continue;
		int k = flame_top(fl, c, scale);
		if (k > d)
			d = k;
	}
	return d;
}

/* Writes at most room characters of s (UTF-8), escaped; a longer s is cut to room - 2 and "..". */
static void html_fit(FILE *f, const char *s, int room)
{
	size_t chars = 0, cut = 0;
	for (size_t i = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == (size_t)(room - 2))
			cut = i;
	if (chars <= (size_t)room) {
		mtan_html(f, s);
		return;
	}
	char *head = strndup(s, cut);
	mtan_html(f, head ? head : "");
	fputs("..", f);
	free(head);
}

/* Frame i at x and those above it: a box as wide as its bytes, named where it has room,
 * every number in its tooltip. Colours stay with the name from run to run: warm for the
 * program's frames, grey for the allocator's and the runtime's. */
static void flame_frame(FILE *f, const struct mtan_flame *fl, size_t i, double x, double scale, int top)
{
	const struct mtan_flame_node *n = &fl->v[i];
	double w = (double)n->bytes * scale, y = (double)(top - n->depth) * FROW;
	uint64_t h = 1469598103934665603ull;
	char a[32], b[32];
	for (const unsigned char *p = (const unsigned char *)n->name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h ^= h >> 31;
	int red = 205 + (int)(h % 50), green = (int)((h >> 8) % 200), blue = (int)((h >> 16) % 55);
	if (!n->depth)
		red = green = blue = 214;
	else if (n->runtime)
		red = green = 196 + (int)(h % 26), blue = red + 8;
	fputs("<g><title>", f);
	mtan_html(f, n->name);
	fprintf(f, ": %s (%s bytes), %.1f%%</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%.0f\" "
		   "rx=\"2\" fill=\"rgb(%d,%d,%d)\"/>", mtan_size(a, (uint64_t)n->bytes), mtan_count(b, (uint64_t)n->bytes),
		100.0 * (double)n->bytes / (double)fl->v[0].bytes, x, y, w, FROW - 1, red, green, blue);
	int room = (int)((w - 6) / FCHAR);
	if (room >= 3) {
		fprintf(f, "<text x=\"%.2f\" y=\"%.0f\">", x + 3, y + 12);
		html_fit(f, n->name, room);
		fputs("</text>", f);
	}
	fputs("</g>\n", f);
	for (size_t c = n->child; c; c = fl->v[c].next) {
		if ((double)fl->v[c].bytes * scale >= FMIN)
			flame_frame(f, fl, c, x, scale, top);
		x += (double)fl->v[c].bytes * scale;
	}
}

/* Click a box to zoom to it (its stacks fill the width, the boxes below it stand for
 * its callers, the rest steps aside); click the root to zoom out. The page works the
 * same without it. */
static const char script[] =
	"<script>\n"
	"document.querySelectorAll('svg.flame').forEach(function (svg) {\n"
	"  var W = svg.viewBox.baseVal.width, boxes = [];\n"
	"  svg.querySelectorAll('g').forEach(function (g) {\n"
	"    var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"    var name = g.querySelector('title').textContent.replace(/: [^:]*$/, '');\n"
	"    boxes.push({g: g, r: r, t: t, name: name, x: +r.getAttribute('x'), w: +r.getAttribute('width'),\n"
	"                y: +r.getAttribute('y')});\n"
	"    g.style.cursor = 'pointer';\n"
	"  });\n"
	"  function fit(b, x, w) {\n"
	"    b.r.setAttribute('x', x.toFixed(2)); b.r.setAttribute('width', w.toFixed(2));\n"
	"    var room = Math.floor((w - 6) / " "6.7" "), s = b.name;\n"
	"    if (!b.t) { b.t = document.createElementNS(svg.namespaceURI, 'text'); b.g.appendChild(b.t); }\n"
	"    b.t.setAttribute('x', (x + 3).toFixed(2)); b.t.setAttribute('y', b.y + 12);\n"
	"    b.t.textContent = room < 3 ? '' : s.length <= room ? s : s.slice(0, room - 2) + '..';\n"
	"  }\n"
	"  function zoom(z) {\n"
	"    boxes.forEach(function (b) {\n"
	"      var inside = b.x >= z.x - 0.01 && b.x + b.w <= z.x + z.w + 0.01;\n"
	"      var below = b.y > z.y && b.x <= z.x + 0.01 && b.x + b.w >= z.x + z.w - 0.01;\n"
	"      if (b.y <= z.y && inside) { fit(b, (b.x - z.x) * W / z.w, b.w * W / z.w); b.g.style.display = ''; }\n"
	"      else if (below) { fit(b, 0, W); b.g.style.display = ''; b.r.style.opacity = 0.6; }\n"
	"      else b.g.style.display = 'none';\n"
	"      if (!below) b.r.style.opacity = '';\n"
	"    });\n"
	"  }\n"
	"  boxes.forEach(function (b) { b.g.addEventListener('click', function () { zoom(b); }); });\n"
	"});\n"
	"</script>\n";

void mtan_flame_svg(FILE *f, const struct mtan_flame *fl, const char *title, const char *none)
{
	char a[32];
	long long total = fl->v[0].bytes;
	fputs("<figure class=flame><figcaption>", f);
	mtan_html(f, title);
	fprintf(f, " <span class=where>%s</span></figcaption>\n", mtan_size(a, (uint64_t)total));
	if (total <= 0) {
		fprintf(f, "<p class=ok>%s</p></figure>\n", none);
		return;
	}
	double scale = FW / (double)total;
	int top = flame_top(fl, 0, scale);
	fprintf(f, "<svg class=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
		   "role=\"img\"><title>", FW, (double)(top + 1) * FROW);
	mtan_html(f, title);
	fputs("</title>\n", f);
	flame_frame(f, fl, 0, 0, scale, top);
	fputs("</svg></figure>\n", f);
}

void mtan_flame_svg_script(FILE *f)
{
	fputs(script, f);
}
