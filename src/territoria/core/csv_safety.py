"""CSV formula injection: the one rule every CSV writer of the platform applies.

A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or `@` as a formula
(`=HYPERLINK(…)`, `+cmd|…`), and tab or carriage return can hide such a start. Such a text
cell gets a leading apostrophe, which spreadsheets show as text (OWASP's advice); numbers
are left alone, so `-12.5` or `-1 200,50` stay numbers.

`neutralise` is for one value (Python writers), `neutralise_arrow` applies the same rule to a
whole Arrow column (the open-data downloads, batch by batch); `restore` undoes it, for the
importers that read our own exports back.
"""

import re

import pyarrow as pa
import pyarrow.compute as pc

TRIGGERS = "=+-@\t\r"
PREFIX = "'"
# What a spreadsheet takes for a number: optional sign, digits with separators, decimals,
# an exponent. Such a cell cannot call a function.
_NUMBER = "[+-]?\\d[\\d \u00a0\u202f.,]*([eE][+-]?\\d+)?"  # (real no-break spaces: RE2 too)
_DANGEROUS = r"^[=+\-@\t\r]"
_DANGEROUS_RE = re.compile(_DANGEROUS)
_NUMBER_RE = re.compile(_NUMBER)


def is_dangerous(text: str) -> bool:
    return bool(_DANGEROUS_RE.match(text)) and not _NUMBER_RE.fullmatch(text)


def neutralise(value):
    """`value` safe for a CSV cell: a dangerous text gets a leading apostrophe; anything else
    (numbers, dates, None, safe text) is returned unchanged."""
    if isinstance(value, str) and is_dangerous(value):
        return PREFIX + value
    return value


def restore(value):
    """The value `neutralise` was given: drops the apostrophe it added (an importer reading
    one of our CSV exports back gets the original text)."""
    if isinstance(value, str) and value.startswith(PREFIX) and is_dangerous(value[1:]):
        return value[1:]
    return value


def neutralise_arrow(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The same rule over an Arrow column; non-text columns are returned unchanged."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    dangerous = pc.and_(
        pc.match_substring_regex(column, _DANGEROUS),
        pc.invert(pc.match_substring_regex(column, f"^(?:{_NUMBER})$")),
    )
    prefixed = pc.binary_join_element_wise(PREFIX, column, "")
    return pc.if_else(pc.fill_null(dangerous, False), prefixed, column)


def neutralise_table(table: pa.Table) -> pa.Table:
    """Every text column of `table` neutralised (names and other columns unchanged)."""
    return pa.table(
        [neutralise_arrow(column) for column in table.columns], names=table.column_names
    )
