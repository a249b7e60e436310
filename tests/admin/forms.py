"""Reading a page's form the way a browser submits it: text and hidden fields, ticked boxes, the chosen option
of each drop-down (the first when none is chosen), text areas."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self.names: list[str] = []  # every field of the form, ticked or not
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen: str | None = None
        self._textarea: str | None = None
        self._in_template = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form" and values.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":  # rows to copy, not fields
            self._in_template += 1
        if self._in_template:
            return
        name = values.get("name")
        if tag == "input" and name:
            self.names.append(name)
            kind = values.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in values:
                    self.fields[name] = values.get("value", "on")
            elif kind not in ("submit", "button"):
                self.fields[name] = values.get("value", "")
        elif tag == "select" and name:
            self.names.append(name)
            self._select, self._first_option, self._chosen = name, None, None
        elif tag == "option" and self._select is not None:
            value = values.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in values:
                self._chosen = value
        elif tag == "textarea" and name:
            self.names.append(name)
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if not self.inside:
            return
        if tag == "template":
            self._in_template -= 1
        elif tag == "select" and self._select is not None:
            chosen = self._chosen if self._chosen is not None else self._first_option
            self.fields[self._select] = chosen or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.fields[self._textarea] += data


def form_fields(html: str, form_id: str) -> dict[str, str]:
    """The fields the form ``form_id`` of ``html`` would send."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.names, f"the page has no form #{form_id} with fields"
    return reader.fields


def row_field(fields: dict[str, str], table: str, key: str, field: str) -> str:
    """The name of ``field`` of the row of ``table`` whose key is ``key`` (``in-3-value`` for the status 'X')."""
    for name, value in fields.items():
        if name.startswith(f"{table}-") and name.endswith("-key") and value == key:
            return name[: -len("key")] + field
    raise AssertionError(f"no row {key!r} in table {table}: {sorted(k for k in fields if k.startswith(table))[:20]}")
