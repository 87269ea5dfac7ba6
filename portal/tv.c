/* tv.c: the variables a template is rendered with: names holding a string or a list of further variables. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

/* A name holds either a string (value != NULL) or a list of child contexts. */
struct tv_entry {
	char		 *name;
	char		 *value;
	struct tmpl_vars **items;
	size_t		  nitems;
	size_t		  capitems;
};

struct tmpl_vars {
	struct tv_entry	*e;
	size_t		 n;
	size_t		 cap;
};

/* An empty set of variables; free with tv_free. */
struct tmpl_vars *
tv_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_vars));
}

static void
entry_clear(struct tv_entry *e)
{
	size_t i;

	free(e->value);
	e->value = NULL;
	for (i = 0; i < e->nitems; i++)
		tv_free(e->items[i]);
	free(e->items);
	e->items = NULL;
	e->nitems = e->capitems = 0;
}

/* Free v and every list item added to it; NULL is fine. */
void
tv_free(struct tmpl_vars *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		entry_clear(&v->e[i]);
		free(v->e[i].name);
	}
	free(v->e);
	free(v);
}

static struct tv_entry *
entry_get(struct tmpl_vars *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->e[i].name, name) == 0)
			return &v->e[i];
	v->e = xgrow(v->e, v->n, &v->cap, sizeof(*v->e));
	memset(&v->e[v->n], 0, sizeof(v->e[v->n]));
	v->e[v->n].name = xstrdup(name);
	return &v->e[v->n++];
}

/* Set name to a copy of value (NULL means ""), replacing what it held. */
void
tv_set(struct tmpl_vars *v, const char *name, const char *value)
{
	struct tv_entry *e = entry_get(v, name);

	entry_clear(e);
	e->value = xstrdup(value ? value : "");
}

/* tv_set with a printf-formatted value. */
void
tv_setf(struct tmpl_vars *v, const char *name, const char *fmt, ...)
{
	struct tv_entry *e;
	struct buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	e = entry_get(v, name);
	entry_clear(e);
	e->value = buf_steal(&b);
}

/* tv_set_time: NAME is the instant T as STYLE ("-" for none: time_format). */
void
tv_set_time(struct tmpl_vars *v, const char *name, int64_t t,
    enum time_style style)
{
	char s[32];

	time_format(t, style, s, sizeof s);
	tv_set(v, name, s);
}

/*
 * Append a new, empty item to the list name (for {{#each name}}) and return
 * it; the item is owned by v.  A string previously set under name is dropped.
 */
struct tmpl_vars *
tv_add(struct tmpl_vars *v, const char *list)
{
	struct tv_entry *e = entry_get(v, list);
	struct tmpl_vars *item;

	if (e->value != NULL) {
		free(e->value);
		e->value = NULL;
	}
	e->items = xgrow(e->items, e->nitems, &e->capitems, sizeof(*e->items));
	item = tv_new();
	e->items[e->nitems++] = item;
	return item;
}

/* tv_add_named: an item of LIST with "id" ID and "name" NAME. */
struct tmpl_vars *
tv_add_named(struct tmpl_vars *v, const char *list, int64_t id,
    const char *name)
{
	struct tmpl_vars *item = tv_add(v, list);

	tv_setf(item, "id", "%lld", (long long)id);
	tv_set(item, "name", name);
	return item;
}

/*
 * tv_get: what V (may be NULL) holds under NAME: 1 with *VALUE the string,
 * or *VALUE NULL and the list in *ITEMS and *NITEMS; 0 when nothing.
 */
int
tv_get(const struct tmpl_vars *v, const char *name, const char **value,
    struct tmpl_vars *const **items, size_t *nitems)
{
	size_t i;

	for (i = 0; v != NULL && i < v->n; i++)
		if (strcmp(v->e[i].name, name) == 0) {
			*value = v->e[i].value;
			*items = v->e[i].items;
			*nitems = v->e[i].nitems;
			return 1;
		}
	return 0;
}

/* tv_has: 1 when V has a variable NAME (a string or a list). */
int
tv_has(const struct tmpl_vars *v, const char *name)
{
	size_t i;

	for (i = 0; v != NULL && i < v->n; i++)
		if (strcmp(v->e[i].name, name) == 0)
			return 1;
	return 0;
}
