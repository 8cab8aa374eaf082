/*
 * maps_parse.c — /proc/PID/maps text into a layout.
 *
 * Each line is
 *   start-end perms offset major:minor inode [whitespace name]
 * with hex start/end/offset/major/minor and a decimal inode. The name is
 * everything after the whitespace that follows the inode, up to the end of
 * the line, so file names with spaces survive. Fields may be separated by
 * runs of spaces or tabs (hand-written text); the kernel uses one space.
 *
 * Decisions:
 *  - A '\r' is an ordinary byte: the kernel never writes CRLF and a file
 *    name may legally end in '\r', so "CRLF" text keeps the '\r' in the name
 *    (and an anonymous line "... 0\r" is a malformed inode).
 *  - Blank lines (empty or only spaces/tabs) are skipped; text pasted by
 *    people often has them, and they carry no region.
 *  - " (deleted)" at the end of a name is stripped and sets
 *    VML_REGION_DELETED; "[anon:NAME]" / "[anon_shmem:NAME]" set
 *    VML_REGION_ANON_NAMED (they are user-named anonymous memory, not a
 *    kernel pseudo region); other "[...]" names set VML_REGION_PSEUDO.
 *
 * Speed: one pass, no per-line allocation except the name copied into the
 * layout's arena; the region array grows by doubling.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char deleted_suffix[] = " (deleted)";

/* A cursor over one line [p, end). */
struct cursor {
	const char *p;
	const char *end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Digit value of each byte, 16 for a non-hex byte. A table rather than
 * comparisons: addresses mix digits and letters at random, and the
 * branches that tell them apart mispredict on most characters. */
static const unsigned char hex_digit[256] = {
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 16, 16, 16, 16, 16, 16,
	16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
	16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16,
};

static unsigned hex_value(char c)
{
	return hex_digit[(unsigned char)c];
}

/* Reasons a number may not parse; the caller names the field. */
enum num_status {
	NUM_OK,
	NUM_EMPTY,
	NUM_OVERFLOW,
};

static enum num_status parse_hex(struct cursor *c, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	const char *start = c->p;
	unsigned d;
	while (c->p < c->end && (d = hex_value(*c->p)) < 16) {
		/* One more digit fits only if the top 4 bits are still clear. */
		if (v >> 60)
			return NUM_OVERFLOW;
		v = v << 4 | d;
		c->p++;
	}
	if (c->p == start)
		return NUM_EMPTY;
	if (v > max)
		return NUM_OVERFLOW;
	*ret = v;
	return NUM_OK;
}

static enum num_status parse_dec(struct cursor *c, uint64_t *ret)
{
	/* UINT64_MAX = 18446744073709551615 = LIMIT * 10 + 5 */
	const uint64_t limit = UINT64_MAX / 10;
	uint64_t v = 0;
	const char *start = c->p;
	while (c->p < c->end) {
		unsigned d = (unsigned)(unsigned char)*c->p - '0';
		if (d >= 10)
			break;
		if (v >= limit && (v > limit || d > UINT64_MAX % 10))
			return NUM_OVERFLOW;
		v = v * 10 + d;
		c->p++;
	}
	if (c->p == start)
		return NUM_EMPTY;
	*ret = v;
	return NUM_OK;
}

/* Skip at least one blank; false when there is none. The kernel pads the
 * inode column with up to ~70 spaces, so whole words of spaces go first. */
static bool skip_blanks(struct cursor *c)
{
	const char *start = c->p;
	const uint64_t spaces = 0x2020202020202020ull;
	while (c->end - c->p >= 8) {
		uint64_t w;
		memcpy(&w, c->p, 8);
		if (w != spaces)
			break;
		c->p += 8;
	}
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
	return c->p != start;
}

/* Parse a number field followed by the expected terminator: sep (a
 * character) or, when sep is 0, blanks or the end of the line. Returns an
 * error text or NULL. */
static const char *number_field(struct cursor *c, bool hex, uint64_t max,
				char sep, const char *what, uint64_t *ret,
				char *msg, size_t msgsize)
{
	enum num_status st = hex ? parse_hex(c, max, ret) : parse_dec(c, ret);
	const char *problem = NULL;
	if (st == NUM_EMPTY)
		problem = c->p == c->end ? "missing" : "bad";
	else if (st == NUM_OVERFLOW)
		problem = "overflow in";
	else if (sep && (c->p == c->end || *c->p != sep))
		problem = c->p == c->end ? "missing field after" : "bad";
	else if (!sep && c->p < c->end && !is_blank(*c->p))
		problem = "bad";
	if (!problem)
		return NULL;
	/* snprintf is not on the hot path: only the failing line gets here. */
	snprintf(msg, msgsize, "%s %s", problem, what);
	return msg;
}

/* Split a name into flags/path and store it in the layout's arena. */
static struct vml_error *set_name(struct vml_layout *layout,
				  struct vml_region *r, const char *name,
				  size_t len)
{
	size_t slen = sizeof(deleted_suffix) - 1;
	if (len >= slen && memcmp(name + len - slen, deleted_suffix, slen) == 0) {
		r->flags |= VML_REGION_DELETED;
		len -= slen;
	}
	if (len == 0)
		return NULL;
	char *copy = vml_arena_strndup(&layout->strings, name, len);
	if (!copy)
		return &vml_enomem;
	r->name = copy;
	if (copy[0] == '/') {
		r->path = copy;
	} else if (copy[0] == '[' && copy[len - 1] == ']') {
		if ((len > 6 && memcmp(copy, "[anon:", 6) == 0) ||
		    (len > 12 && memcmp(copy, "[anon_shmem:", 12) == 0))
			r->flags |= VML_REGION_ANON_NAMED;
		else
			r->flags |= VML_REGION_PSEUDO;
	}
	return NULL;
}

static bool valid_perms(const char *p)
{
	return (p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
	       (p[2] == 'x' || p[2] == '-') && (p[3] == 's' || p[3] == 'p');
}

/*
 * Parse one non-blank line into *r (name copied into the arena). Returns
 * NULL, or an error text in msg (a PARSE problem), or sets *err (memory).
 */
static const char *parse_line(struct vml_layout *layout, const char *line,
			      size_t len, struct vml_region *r,
			      struct vml_error **err, char *msg, size_t msgsize)
{
	struct cursor c = { line, line + len };
	const char *problem;
	uint64_t major, minor;

	*r = (struct vml_region){ 0 };
	if (memchr(line, '\0', len))
		return "NUL byte in line";
	problem = number_field(&c, true, UINT64_MAX, '-', "start address",
			       &r->start, msg, msgsize);
	if (problem)
		return problem;
	c.p++;
	problem = number_field(&c, true, UINT64_MAX, 0, "end address", &r->end,
			       msg, msgsize);
	if (problem)
		return problem;
	if (r->start >= r->end)
		return "start address is not below end address";
	if (!skip_blanks(&c))
		return "missing perms";
	if (c.end - c.p < 4 || !valid_perms(c.p) ||
	    (c.end - c.p > 4 && !is_blank(c.p[4])))
		return "bad perms (want [r-][w-][x-][sp])";
	vml_region_set_perms(r, c.p);
	c.p += 4;
	if (!skip_blanks(&c))
		return "missing offset";
	problem = number_field(&c, true, UINT64_MAX, 0, "offset", &r->offset,
			       msg, msgsize);
	if (problem)
		return problem;
	if (!skip_blanks(&c))
		return "missing device";
	problem = number_field(&c, true, UINT32_MAX, ':', "device major",
			       &major, msg, msgsize);
	if (problem)
		return problem;
	c.p++;
	problem = number_field(&c, true, UINT32_MAX, 0, "device minor", &minor,
			       msg, msgsize);
	if (problem)
		return problem;
	r->dev_major = (uint32_t)major;
	r->dev_minor = (uint32_t)minor;
	if (!skip_blanks(&c))
		return "missing inode";
	problem = number_field(&c, false, UINT64_MAX, 0, "inode", &r->inode,
			       msg, msgsize);
	if (problem)
		return problem;
	skip_blanks(&c);
	*err = set_name(layout, r, c.p, (size_t)(c.end - c.p));
	return NULL;
}

static bool blank_line(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_blank(line[i]))
			return false;
	return true;
}

static struct vml_error *parse_text(struct vml_layout *layout,
				    const char *text, size_t len)
{
	size_t off = 0;
	uint64_t lineno = 0;
	char msg[96];
	/* Size the region array once from the line count: on 60,000 lines
	 * the doubling copies and the page faults of the discarded arrays
	 * would cost more than the parsing. */
	size_t lines = 1;
	for (const char *p = text, *end = text + len;
	     len && p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
	     p++)
		lines++;
	if (!vml_grow((void **)&layout->regions, &layout->capacity, lines,
		      sizeof(*layout->regions)))
		return &vml_enomem;
	/* Each iteration consumes at least one byte, so len bounds the loop. */
	while (off < len) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t linelen = nl ? (size_t)(nl - line) : len - off;
		off += linelen + (nl ? 1 : 0);
		lineno++;
		if (blank_line(line, linelen))
			continue;
		struct vml_region r;
		struct vml_error *err = NULL;
		const char *problem = parse_line(layout, line, linelen, &r,
						 &err, msg, sizeof(msg));
		if (problem)
			return vml_error_create(VML_ERROR_PARSE,
						"maps line %" PRIu64 ": %s",
						lineno, problem);
		if (err)
			return err;
		err = vml_layout_append(layout, &r);
		if (err)
			return err;
	}
	return NULL;
}

struct vml_error *vml_layout_from_maps(const char *text, size_t len,
				       struct vml_layout **ret)
{
	if (!ret || (!text && len))
		return vml_error_create(VML_ERROR_INVALID,
					"maps: NULL text or result pointer");
	struct vml_layout *layout;
	struct vml_error *err = vml_layout_create(&layout);
	if (err)
		return err;
	err = parse_text(layout, text, len);
	if (!err)
		err = vml_layout_finish(layout);
	if (err) {
		vml_layout_free(layout);
		return err;
	}
	*ret = layout;
	return NULL;
}
