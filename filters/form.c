/* form.c - reads the nomination, update and withdrawal forms of a message's
 * signed text (grammar in form-read.h, DESIGN.md section 5): splits it into
 * lines, finds verb lines, DRY-RUN and "Label: value" lines, and checks
 * each block for the fields its verb needs. Input: untrusted UTF-8 text of
 * any size. Never fails: every problem becomes a struct form_error with its
 * line number, the line quoted and an errors.txt key:
 *
 *   unknown-label     a "Label:" line in a form that names no field
 *   missing-field     a field the verb requires is absent (detail: its label)
 *   missing-id        UPDATE or WITHDRAW without the POC's identifier
 *   missing-reason    WITHDRAW without a reason
 *   no-fields         UPDATE with nothing to change
 *   unexpected-field  a field the verb does not take (ID in a nomination...)
 *   duplicate-field   one field given twice in one form
 *   bad-characters    control or bidi-override characters, invalid UTF-8
 *   too-long          a value over its bound (limits.h)
 *   too-many-values   more e-mail addresses, phones or languages than allowed
 *   bad-email, bad-url, bad-phone, bad-id, unknown-state, unknown-type,
 *   unknown-language  a value that is not what its field takes
 *   email-no-at, email-two-at, email-non-ascii, email-bad-local,
 *   email-bad-domain  an e-mail address, what is wrong with it
 *   phone-no-prefix   a phone number with no "+" or "00" (never guessed)
 *   too-many-forms    more than MAX_FORMS forms in the message
 *   too-many-errors   more than MAX_FORM_ERRORS problems (line 0)
 *   key-unreadable    a Key: line with neither "remove" nor an armoured block
 *                     after it (BEGIN to END lines, several in a row for a
 *                     certificate's chain), or a block never ended
 *   key-too-large     a key block over MAX_POC_KEY_BYTES
 *   key-too-many      a form's key block past MAX_FORM_KEYS
 *
 * The key block's lines are the key's, not the form's; what the key is
 * (and the refusals of robot/dispatch-keys.c) is decided at dispatch.
 */
#include <string.h>
#include "form-read.h"
#include "../robot/fold.h"
#include "../robot/limits.h"
#include "../robot/quote.h"
#include "../robot/text-line.h"
#include "../robot/templates.h"

static const char *const verb_keys[] = {
	[FORM_NOMINATE] = "nominate", [FORM_UPDATE] = "update", [FORM_WITHDRAW] = "withdraw",
};

/* Verbs of other commands: their blocks are not forms, and end ours. */
static const char *const other_verbs[] = {
	"help", "form", "lookup", "extract", "access-log", NULL
};

/* Which fields each verb takes, and which it requires. */
#define ALL_FIELDS ((guint32)(FIELD_REASON << 1) - 1)
static const guint32 allowed[] = {
	[FORM_NOMINATE] = ALL_FIELDS & ~(guint32)(FIELD_ID | FIELD_REASON),
	[FORM_UPDATE] = ALL_FIELDS & ~(guint32)FIELD_REASON,
	[FORM_WITHDRAW] = FIELD_ID | FIELD_REASON | FIELD_STATE,
};

/* Where the reading of a key block after a Key: line is. */
enum key_state { KEY_NONE, KEY_WAIT_BEGIN, KEY_IN, KEY_AFTER_END };

struct parser {
	const struct templates *tpl;
	struct form_set *set;
	struct form *cur;		/* the form being read, or NULL */
	gboolean in_block;		/* after a verb line, ours or another command's */
	gboolean quoted;		/* the current verb line was quoted with ">" */
	int values;			/* non-empty values in the current form */
	guint32 given;			/* fields given in it, right or wrong */
	int nforms;			/* verb lines of forms seen */
	int line;			/* current line number */
	const char *raw;		/* current line as written */
	char *verb_raw;			/* the current form's verb line as written */
	gboolean attached;		/* key files are attached: an UPDATE may give no field */
	enum key_state key_state;
	GString *key;			/* the key block being read */
	int key_line;			/* its Key: line */
	char *key_raw;			/* its Key: line as written */
};

static void add_error(struct form_set *set, int line, const char *raw, const char *key,
		      const char *detail, guint32 field)
{
	struct form_error *e;

	if (set->errors->len > MAX_FORM_ERRORS)
		return;
	e = g_new0(struct form_error, 1);
	if (set->errors->len == MAX_FORM_ERRORS) {
		e->key = "too-many-errors";
	} else {
		e->line = line;
		e->quoted = raw ? text_line_quote(raw) : NULL;
		e->key = key;
		e->detail = detail ? text_line_quote(detail) : NULL;
		e->field = field;
	}
	g_ptr_array_add(set->errors, e);
}

static void error_free(gpointer p)
{
	struct form_error *e = p;

	g_free(e->quoted);
	g_free(e->detail);
	g_free(e);
}

static void fields_clear(struct form_fields *f)
{
	g_free(f->organisation);
	g_free(f->web);
	g_free(f->name);
	g_free(f->position);
	g_free(f->notes);
	g_free(f->id);
	g_free(f->reason);
	if (f->emails)
		g_ptr_array_unref(f->emails);
	if (f->phones)
		g_ptr_array_unref(f->phones);
	if (f->phones_e164)
		g_ptr_array_unref(f->phones_e164);
	if (f->languages)
		g_ptr_array_unref(f->languages);
}

static void form_free(gpointer p)
{
	struct form *form = p;

	fields_clear(&form->f);
	if (form->keys)
		g_ptr_array_unref(form->keys);
	g_free(form);
}

void form_set_free(struct form_set *set)
{
	if (!set)
		return;
	g_ptr_array_unref(set->forms);
	g_ptr_array_unref(set->errors);
	if (set->attached)
		g_ptr_array_unref(set->attached);
	g_free(set);
}

static void require(struct parser *ps, guint32 field, const char *key)
{
	char *label;

	if (ps->given & field)
		return;
	label = templates_label(ps->tpl, ps->cur->lang, form_field_key(field));
	add_error(ps->set, ps->cur->line, ps->verb_raw, key, label, field);
	g_free(label);
}

/* The current form is complete: check what its verb needs and keep it. */
static void finish_form(struct parser *ps)
{
	struct form *form = ps->cur;

	ps->in_block = FALSE;
	if (!form)
		return;
	ps->cur = NULL;
	if (ps->values == 0 && ps->quoted) {	/* a quoted blank form: not one */
		form_free(form);
		g_clear_pointer(&ps->verb_raw, g_free);
		return;
	}
	ps->cur = form;
	switch (form->verb) {
	case FORM_NOMINATE:
		for (guint32 field = 1; field <= FORM_REQUIRED; field <<= 1)
			if (field & FORM_REQUIRED)
				require(ps, field, "missing-field");
		break;
	case FORM_UPDATE:
		require(ps, FIELD_ID, "missing-id");
		if (!(ps->given & ~(guint32)(FIELD_ID | FIELD_STATE)) && !form->keys->len &&
		    !form->key_remove && !ps->attached)
			add_error(ps->set, form->line, ps->verb_raw, "no-fields", NULL, 0);
		break;
	case FORM_WITHDRAW:
		require(ps, FIELD_ID, "missing-id");
		require(ps, FIELD_REASON, "missing-reason");
		break;
	}
	ps->cur = NULL;
	g_clear_pointer(&ps->verb_raw, g_free);
	g_ptr_array_add(ps->set->forms, form);
}

/* Which verb the line is: a form's (0, *verb set), another command's (1),
 * or none (-1). */
static int verb_of(const struct templates *tpl, const char *words, enum form_verb *verb,
		   char lang[8])
{
	for (int v = FORM_NOMINATE; v <= FORM_WITHDRAW; v++) {
		if (templates_match_word(tpl, verb_keys[v], words, lang)) {
			*verb = (enum form_verb)v;
			return 0;
		}
	}
	for (int i = 0; other_verbs[i]; i++)
		if (templates_match_word(tpl, other_verbs[i], words, lang))
			return 1;
	return -1;
}

static guint32 field_of(const struct templates *tpl, const char *label)
{
	char lang[8];

	for (guint32 bit = FIELD_STATE; bit <= FIELD_REASON; bit <<= 1)
		if (templates_match_word(tpl, form_field_key(bit), label, lang))
			return bit;
	return 0;
}

static void take_value(struct parser *ps, guint32 field, const char *label, const char *raw_value)
{
	char *value = form_trim(raw_value);
	const char *key = NULL;

	if (!*value) {
		g_free(value);
		return;
	}
	ps->values++;
	if (!(allowed[ps->cur->verb] & field))
		key = "unexpected-field";
	else if (ps->given & field)
		key = "duplicate-field";
	else if (!g_utf8_validate(raw_value, -1, NULL) || form_check_text(value) < 0)
		key = "bad-characters";
	else
		key = form_field_set(ps->tpl, &ps->cur->f, field, value);
	ps->given |= field;	/* given, if wrong: no "missing" error as well */
	if (key)
		add_error(ps->set, ps->line, ps->raw, key, label, field);
	g_free(value);
}

/* The key block read so far goes to the current form (or is refused). */
static void key_end(struct parser *ps)
{
	struct form_key *k;

	if (ps->key_state == KEY_WAIT_BEGIN || ps->key_state == KEY_IN)
		add_error(ps->set, ps->key_line, ps->key_raw, "key-unreadable", NULL, 0);
	else if (ps->key_state == KEY_AFTER_END && ps->key->len > MAX_POC_KEY_BYTES)
		add_error(ps->set, ps->key_line, ps->key_raw, "key-too-large", NULL, 0);
	else if (ps->key_state == KEY_AFTER_END && ps->cur && ps->cur->keys->len >= MAX_FORM_KEYS)
		add_error(ps->set, ps->key_line, ps->key_raw, "key-too-many", NULL, 0);
	else if (ps->key_state == KEY_AFTER_END && ps->cur) {
		k = g_new0(struct form_key, 1);
		k->line = ps->key_line;
		k->quoted = text_line_quote(ps->key_raw);
		k->len = ps->key->len;
		k->bytes = g_string_free(ps->key, FALSE);
		ps->key = NULL;
		g_ptr_array_add(ps->cur->keys, k);
	}
	ps->key_state = KEY_NONE;
	if (ps->key)
		g_string_truncate(ps->key, 0);
	g_clear_pointer(&ps->key_raw, g_free);
}

/* One line of a key block (quote marks stripped): TRUE when it was the
 * block's; FALSE when the block ended before it (the line is read as a
 * form's). */
static gboolean key_line(struct parser *ps, const char *text)
{
	char *line = form_trim(text);
	gboolean begin = g_str_has_prefix(line, "-----BEGIN "), mine = TRUE;

	if (!*line && ps->key_state != KEY_IN) {
		g_free(line);
		return TRUE;
	}
	if (ps->key_state != KEY_IN && !begin) {
		key_end(ps);
		mine = FALSE;
	} else {
		if (ps->key->len <= MAX_POC_KEY_BYTES)
			g_string_append_printf(ps->key, "%s\n", line);
		else	/* counted on, not kept */
			g_string_set_size(ps->key, MAX_POC_KEY_BYTES + 1);
		ps->key_state = g_str_has_prefix(line, "-----END ") ? KEY_AFTER_END : KEY_IN;
	}
	g_free(line);
	return mine;
}

/* A Key: line in a form: "remove", or an armoured block, after it or on
 * the next lines. */
static void key_label(struct parser *ps, const char *label, const char *raw_value)
{
	char *value = form_trim(raw_value), *words = text_line_bare_words(value), lang[8];

	ps->values++;
	if (ps->cur->verb == FORM_WITHDRAW) {
		add_error(ps->set, ps->line, ps->raw, "unexpected-field", label, 0);
	} else if (*words && templates_match_word(ps->tpl, "key-remove", words, lang)) {
		ps->cur->key_remove = TRUE;
	} else if (!*value || g_str_has_prefix(value, "-----BEGIN ")) {
		ps->key_state = KEY_WAIT_BEGIN;
		ps->key_line = ps->line;
		ps->key_raw = g_strdup(ps->raw);
		if (!ps->key)
			ps->key = g_string_new(NULL);
		if (*value)
			key_line(ps, value);
	} else {
		add_error(ps->set, ps->line, ps->raw, "key-unreadable", label, 0);
	}
	g_free(words);
	g_free(value);
}

/* A line with a colon: 1 when it was a label line (in a form or not). */
static int label_line(struct parser *ps, const char *text)
{
	size_t clen;
	const char *colon = text_line_colon(text, &clen);
	char *label_raw, *label, *label_trim;
	guint32 field;

	if (!colon || g_str_has_prefix(colon + clen, "//"))
		return 0;
	label_raw = g_strndup(text, (gsize)(colon - text));
	label = fold_text(label_raw);
	if (!text_line_label_like(label)) {
		g_free(label_raw);
		g_free(label);
		return 0;
	}
	if (ps->cur) {
		label_trim = form_trim(label_raw);
		field = field_of(ps->tpl, label);
		if (!field && templates_match_word(ps->tpl, "field-key", label, (char[8]){ 0 }))
			key_label(ps, label_trim, colon + clen);
		else if (field)
			take_value(ps, field, label_trim, colon + clen);
		else
			add_error(ps->set, ps->line, ps->raw, "unknown-label", label_trim, 0);
		g_free(label_trim);
	}
	g_free(label_raw);
	g_free(label);
	return 1;
}

static void start_form(struct parser *ps, enum form_verb verb, const char lang[8], gboolean quoted)
{
	struct form *form = g_new0(struct form, 1);

	form->verb = verb;
	form->line = ps->line;
	memcpy(form->lang, lang, sizeof form->lang);
	form->f.type = POC_TYPE_NONE;
	form->keys = g_ptr_array_new_with_free_func(form_key_free);
	ps->cur = form;
	ps->in_block = TRUE;
	ps->quoted = quoted;
	ps->values = 0;
	ps->given = 0;
	ps->verb_raw = g_strdup(ps->raw);
	if (!*ps->set->lang)
		memcpy(ps->set->lang, lang, sizeof ps->set->lang);
}

/* One line; FALSE to stop reading (too many forms). */
static gboolean read_line(struct parser *ps, const char *raw)
{
	gboolean quoted;
	const char *text = quote_strip(raw, &quoted);
	char *words = text_line_bare_words(text), lang[8];
	enum form_verb verb;
	int kind;

	ps->raw = raw;
	if (ps->key_state != KEY_NONE && key_line(ps, text)) {
		g_free(words);
		return TRUE;
	}
	if (!*words) {
		g_free(words);
		return TRUE;
	}
	if (templates_match_word(ps->tpl, "dry-run", words, lang)) {
		ps->set->dry_run = TRUE;
		g_free(words);
		return TRUE;
	}
	kind = verb_of(ps->tpl, words, &verb, lang);
	g_free(words);
	if (kind >= 0) {
		finish_form(ps);
		ps->in_block = TRUE;	/* another command's block, when kind == 1 */
		if (kind == 1)
			return TRUE;
		if (++ps->nforms > MAX_FORMS) {
			add_error(ps->set, ps->line, raw, "too-many-forms", NULL, 0);
			return FALSE;
		}
		start_form(ps, verb, lang, quoted);
		return TRUE;
	}
	if (!label_line(ps, text) && ps->in_block)
		finish_form(ps);	/* a line of prose or a signature ends the form */
	return TRUE;
}

struct form_set *form_parse(const struct templates *tpl, const char *text)
{
	return form_parse_keys(tpl, text, FALSE);
}

struct form_set *form_parse_keys(const struct templates *tpl, const char *text, gboolean attached)
{
	struct form_set *set = g_new0(struct form_set, 1);
	struct parser ps = { .tpl = tpl, .set = set, .attached = attached };
	gchar **lines = text_lines(text);

	set->forms = g_ptr_array_new_with_free_func(form_free);
	set->errors = g_ptr_array_new_with_free_func(error_free);
	for (int i = 0; lines[i]; i++) {
		ps.line = i + 1;
		if (!read_line(&ps, lines[i]))
			break;
	}
	ps.raw = NULL;
	key_end(&ps);
	finish_form(&ps);
	if (ps.cur)
		form_free(ps.cur);
	g_free(ps.verb_raw);
	if (ps.key)
		g_string_free(ps.key, TRUE);
	g_strfreev(lines);
	set->attached = g_ptr_array_new_with_free_func(form_key_free);
	return set;
}
