/*
 * strbuf.c — the one string builder every renderer appends to, the one
 * JSON string escaper, and the display-width-aware put that keeps hostile
 * names from breaking a terminal line.
 *
 * Failure is sticky: the first allocation failure marks the buffer failed,
 * every later append is a no-op, and vml_sb_finish turns the whole render
 * into VML_ERROR_NOMEM. Renderers therefore append without checking.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Room for extra more bytes plus the NUL. */
static bool sb_reserve(struct vml_strbuf *sb, size_t extra)
{
	if (sb->failed)
		return false;
	size_t need;
	if (__builtin_add_overflow(sb->len, extra, &need) ||
	    __builtin_add_overflow(need, 1, &need) ||
	    !vml_grow((void **)&sb->data, &sb->cap, need, 1)) {
		sb->failed = true;
		return false;
	}
	return true;
}

void vml_sb_putn(struct vml_strbuf *sb, const char *s, size_t n)
{
	if (!sb_reserve(sb, n))
		return;
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void vml_sb_puts(struct vml_strbuf *sb, const char *s)
{
	vml_sb_putn(sb, s, strlen(s));
}

void vml_sb_putc(struct vml_strbuf *sb, char c)
{
	vml_sb_putn(sb, &c, 1);
}

void vml_sb_repeat(struct vml_strbuf *sb, const char *s, size_t times)
{
	for (size_t i = 0; i < times && !sb->failed; i++)
		vml_sb_puts(sb, s);
}

void vml_sb_vprintf(struct vml_strbuf *sb, const char *fmt, va_list ap)
{
	if (sb->failed)
		return;
	va_list again;
	va_copy(again, ap);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		sb->failed = true;
	} else if ((size_t)n < sizeof(small)) {
		vml_sb_putn(sb, small, (size_t)n);
	} else if (sb_reserve(sb, (size_t)n)) {
		/* Rare: longer than the scratch buffer, format straight into
		 * place. */
		vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, again);
		sb->len += (size_t)n;
	}
	va_end(again);
}

void vml_sb_printf(struct vml_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vml_sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

struct vml_error *vml_sb_finish(struct vml_strbuf *sb, char **ret)
{
	if (!sb->failed && !sb->data)
		sb_reserve(sb, 0);
	if (sb->failed) {
		vml_sb_release(sb);
		*ret = NULL;
		return &vml_enomem;
	}
	sb->data[sb->len] = '\0';
	*ret = sb->data;
	*sb = (struct vml_strbuf){ 0 };
	return NULL;
}

void vml_sb_release(struct vml_strbuf *sb)
{
	free(sb->data);
	*sb = (struct vml_strbuf){ 0 };
}

/* ------------------------------------------------------------ UTF-8 */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp_ret)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp, min;
	if (c < 0x80) {
		*cp_ret = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2; cp = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; cp = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	/* The NUL terminator is not a continuation byte, so this stops at
	 * the end of the string. */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_ret = cp;
	return n;
}

/* Terminal columns of a code point: East Asian wide ranges take two,
 * combining marks none. Good enough to keep lines inside 80 columns. */
static unsigned cp_width(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

size_t vml_display_width(const char *s)
{
	size_t total = 0;
	for (const unsigned char *q = (const unsigned char *)s; *q;) {
		uint32_t cp;
		size_t n = utf8_seq(q, &cp);
		total += n ? cp_width(cp) : 1;
		q += n ? n : 1;
	}
	return total;
}

size_t vml_sb_put_display(struct vml_strbuf *sb, const char *s,
			  size_t max_width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t limit = max_width;
	bool cut = vml_display_width(s) > max_width;
	if (cut)
		limit = max_width >= 3 ? max_width - 3 : 0;
	size_t used = 0;
	while (*p) {
		uint32_t cp;
		size_t n = utf8_seq(p, &cp);
		unsigned w = n ? cp_width(cp) : 1;
		if (used + w > limit)
			break;
		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			vml_sb_putc(sb, '?');
		else
			vml_sb_putn(sb, (const char *)p, n);
		used += w;
		p += n ? n : 1;
	}
	if (cut) {
		size_t dots = max_width - used < 3 ? max_width - used : 3;
		vml_sb_repeat(sb, ".", dots);
		used += dots;
	}
	return used;
}

/* ------------------------------------------------------------ JSON */

void vml_sb_json_string(struct vml_strbuf *sb, const char *s)
{
	if (!s) {
		vml_sb_puts(sb, "null");
		return;
	}
	vml_sb_putc(sb, '"');
	const unsigned char *p = (const unsigned char *)s;
	while (*p && !sb->failed) {
		uint32_t cp;
		size_t n = utf8_seq(p, &cp);
		if (n == 0) {
			/* Not UTF-8: keep the byte's value visible. */
			vml_sb_printf(sb, "\\u%04x", (unsigned)*p);
			p++;
			continue;
		}
		if (cp == '"')
			vml_sb_puts(sb, "\\\"");
		else if (cp == '\\')
			vml_sb_puts(sb, "\\\\");
		else if (cp == '\n')
			vml_sb_puts(sb, "\\n");
		else if (cp == '\t')
			vml_sb_puts(sb, "\\t");
		else if (cp == '\r')
			vml_sb_puts(sb, "\\r");
		else if (cp < 0x20 || cp == 0x7f)
			vml_sb_printf(sb, "\\u%04x", (unsigned)cp);
		else
			vml_sb_putn(sb, (const char *)p, n);
		p += n;
	}
	vml_sb_putc(sb, '"');
}
