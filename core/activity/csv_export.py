"""The export tables (export_tables.py) as CSV the way Russian Excel opens them by a double click:
UTF-8 with a BOM (else Excel reads cp1251), ``;`` between cells (``,`` is the decimal separator
there), decimal commas in shares, CRLF line ends. The header row comes first, no title rows, so
the file also loads into any tool as it is."""

from __future__ import annotations

import csv
import io

from .export_tables import Table, Value

BOM = "\ufeff"
DELIMITER = ";"


def _text(value: Value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "share" and isinstance(value, int | float):
        return f"{float(value):.1f}".replace(".", ",")
    return str(value)


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(_text(value, kind) for value, kind in zip(row, table.kinds, strict=True))
    return (BOM + out.getvalue()).encode("utf-8")
