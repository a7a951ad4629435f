"""Where a system declares the data it collects: the fields of SQL tables, SQLAlchemy and Django models,
OpenAPI and JSON Schema objects and HTML forms, and the sample values written next to them (SQL
``INSERT … VALUES``, OpenAPI ``example``\\s, JSON fixtures beside a schema, form placeholders).

Read by the excessive-collection family; nothing here judges a field. Every reader is defensive: a file
that does not parse becomes an :class:`~trustops.audit.findings.AuditWarning` and the others go on.

- **SQL** (``.sql``): ``CREATE TABLE`` columns and table constraints, ``ALTER TABLE … ADD [COLUMN]``,
  ``INSERT INTO … VALUES`` and ``INSERT INTO t (cols) SELECT …`` string literals (mapped to columns by the column list, or by the order of a
  ``CREATE TABLE`` seen in any file). A small tokenizer, not a full parser: comments, quoted identifiers
  (``"x"``, backticks, ``[x]``), ``''``/backslash escapes and Postgres dollar quoting are understood; other
  statements are skipped. (sqlglot would parse more dialects, but is not a dependency of the core.)
- **Python** (``.py``, by :mod:`ast`): SQLAlchemy ``Column(…)``, ``mapped_column(…)``, bare ``Mapped[…]``
  annotations, Core ``Table("name", metadata, Column("col", …))``; Django ``models.XxxField(…)`` in a class
  body (``db_column`` and ``Meta.db_table`` become aliases); Alembic ``op.create_table`` and ``op.add_column``.
  Django migrations' ``CreateModel`` tuples are not read, so a field is seen where it is modelled.
- **OpenAPI / Swagger / JSON Schema** (YAML or JSON with a top-level ``openapi``, ``swagger``, ``$schema``
  or an object ``properties``): named schemas, operation parameters and request bodies, nested objects;
  ``example``/``examples`` values. JSON files in the same directory as a schema that share at least two of its
  property names (so not ``package.json``), and Django fixtures (``[{"model": …, "fields": {…}}]``), are
  read as samples.
- **HTML forms** (templates of the usual engines too): ``<input>``, ``<select>``, ``<textarea>`` by
  ``name`` (else ``formControlName``, ``v-model``, ``ng-model``, ``x-model``); Rails-style
  ``customer[email]`` names; ``type``, ``autocomplete`` and ``maxlength`` are kept; ``placeholder`` and
  ``value`` are samples.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any

import yaml

from trustops.audit.findings import AuditWarning
from trustops.audit.sources import FileSource, Sources

Warn = Callable[[AuditWarning], None]

HTML_SUFFIXES = frozenset(
    {".html", ".htm", ".xhtml", ".jinja", ".jinja2", ".j2", ".njk", ".hbs", ".handlebars", ".mustache",
     ".twig", ".erb", ".ejs", ".php", ".vue", ".svelte", ".liquid", ".tpl", ".cshtml", ".razor"}
)  # fmt: skip
SCHEMA_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
MAX_DEPTH = 64  # schemas nest; anything deeper is a cycle or a data dump


@dataclass(frozen=True)
class DeclaredField:
    """One field a system collects, where it is declared.

    ``hints`` are what the declared type says about the content, lower case: ``emailfield``, ``inet``,
    ``format:email``, ``type:tel``, ``autocomplete:bday``. ``max_length`` is ``None`` when unbounded or unknown.
    """

    name: str
    container: str  # table, model, schema, operation or form ("" when none)
    origin: str  # "sql", "sqlalchemy", "django", "openapi", "jsonschema", "form"
    path: str
    line: int
    column: int
    evidence: str
    aliases: tuple[str, ...] = ()  # other names of the container (Django db_table, the model class…)
    column_name: str = ""  # the stored name when it differs (db_column, Column("name", …))
    textual: bool = False  # holds text (a string type, a text input)
    long_text: bool = False  # TEXT, TextField, a textarea
    max_length: int | None = None
    foreign_key: bool = False
    primary_key: bool = False
    hints: tuple[str, ...] = ()
    snippet: str = ""  # the definition alone, quoted instead of the line when a line declares several fields


@dataclass(frozen=True)
class Sample:
    """A value written for a field: a row of test data, an API example, a form placeholder."""

    name: str
    container: str
    value: str
    path: str
    line: int
    evidence: str
    hints: tuple[str, ...] = ()


@dataclass
class Declared:
    fields: list[DeclaredField] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)


def read(sources: Sources, warn: Warn) -> Declared:
    """Every field and sample declared in the files read."""
    found = Declared()
    sql = _SqlReader(found)
    schemas: dict[str, list[_Schema]] = {}
    data_files: list[FileSource] = []
    for file in sources.files:
        suffix = file.suffix
        if suffix not in HTML_SUFFIXES | SCHEMA_SUFFIXES | {".sql", ".py"} or file.text is None:
            continue
        try:
            if suffix == ".sql":
                sql.read(file)
            elif suffix == ".py":
                _read_python(file, found, warn)
            elif suffix in HTML_SUFFIXES:
                _read_html(file, found)
            else:
                schema = _read_schema(file, found, warn)
                if schema is not None:
                    schemas.setdefault(_directory(file), []).append(schema)
                elif suffix == ".json" or _looks_like_fixture(file.text):
                    data_files.append(file)
        except RecursionError:
            warn(AuditWarning(file.display, "nested too deeply to read; skipped"))
    sql.finish()
    for file in data_files:
        _read_data_file(file, schemas.get(_directory(file), []), found, warn)
    _distinguish(found)
    return found


def _distinguish(found: Declared) -> None:
    """Quote the definition, not the line, where one line declares several fields (so evidence differs)."""
    per_line = Counter((f.path, f.line) for f in found.fields)
    found.fields = [
        replace(f, evidence=f.snippet or f.name) if per_line[f.path, f.line] > 1 else f for f in found.fields
    ]


def _directory(file: FileSource) -> str:
    return str(PurePosixPath(file.display).parent)


def _line_text(file: FileSource, line: int) -> str:
    lines = file.lines
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


# -- SQL ---------------------------------------------------------------------------------------------

_SQL_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>--[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z))
    |(?P<string>[EeNn]?'(?:[^'\\]|\\.|'')*(?:'|\Z))
    |(?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?(?:\$(?P=tag)\$|\Z))
    |(?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[A-Za-z_][^\]\n]*\])
    |(?P<word>[^\W\d][\w$]*)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
    |(?P<punct>.)""",
    re.S | re.X,
)
_COLUMN_END = frozenset(
    {"NOT", "NULL", "DEFAULT", "PRIMARY", "REFERENCES", "UNIQUE", "CHECK", "CONSTRAINT", "COLLATE",
     "GENERATED", "AUTO_INCREMENT", "AUTOINCREMENT", "COMMENT", "IDENTITY", "ON", "AS", "CHARACTER",
     "CHARSET", "ENCODE", "KEY", "INDEX"}
)  # fmt: skip
_TABLE_CONSTRAINTS = frozenset(
    {"CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "INDEX", "KEY", "FULLTEXT", "SPATIAL", "EXCLUDE",
     "LIKE", "PERIOD"}
)  # fmt: skip
_LONG_TEXT_TYPES = frozenset({"text", "mediumtext", "longtext", "ntext", "clob", "nclob", "citext", "tinytext"})
_STRING_TYPES = (
    frozenset({"varchar", "nvarchar", "char", "nchar", "character", "varchar2", "nvarchar2", "string", "bpchar"})
    | _LONG_TEXT_TYPES
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int
    column: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def name(self) -> str:
        """The identifier, unquoted."""
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"').replace("``", "`")
        return self.text

    @property
    def string(self) -> str:
        body = self.text[self.text.index("'") + 1 :]
        body = body[:-1] if body.endswith("'") else body
        return body.replace("''", "'").replace("\\'", "'")


def _sql_tokens(text: str) -> list[_Token]:
    starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]
    tokens = []
    for match in _SQL_TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind in ("space", "comment"):
            continue
        if kind == "tag":
            kind = "dollar"
        line = bisect.bisect_right(starts, match.start())
        tokens.append(_Token(kind, match.group(), line, match.start() - starts[line - 1] + 1))
    return tokens


def _statements(tokens: list[_Token]) -> Iterator[list[_Token]]:
    statement: list[_Token] = []
    for token in tokens:
        if token.kind == "punct" and token.text == ";":
            if statement:
                yield statement
            statement = []
        else:
            statement.append(token)
    if statement:
        yield statement


def _split_top(tokens: list[_Token]) -> list[list[_Token]]:
    """Split at commas outside parentheses."""
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct" and token.text in "([":
            depth += 1
        elif token.kind == "punct" and token.text in ")]":
            depth -= 1
        if depth == 0 and token.kind == "punct" and token.text == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def _group(tokens: list[_Token], start: int) -> tuple[list[_Token], int]:
    """The tokens inside the parentheses opening at ``start``, and the index after the closing one."""
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind == "punct" and token.text == "(":
            depth += 1
        elif token.kind == "punct" and token.text == ")":
            depth -= 1
            if depth == 0:
                return tokens[start + 1 : index], index + 1
    return tokens[start + 1 :], len(tokens)


def _dotted_name(tokens: list[_Token], start: int) -> tuple[list[str], int]:
    parts: list[str] = []
    index = start
    while index < len(tokens) and tokens[index].kind in ("word", "quoted"):
        parts.append(tokens[index].name)
        index += 1
        if index < len(tokens) and tokens[index].text == "." and tokens[index].kind == "punct":
            index += 1
        else:
            break
    return parts, index


class _SqlReader:
    def __init__(self, found: Declared) -> None:
        self.found = found
        self.columns: dict[str, list[str]] = {}  # table -> column order, for INSERTs without a column list
        self.pending: list[tuple[FileSource, str, list[_Token]]] = []

    def read(self, file: FileSource) -> None:
        for statement in _statements(_sql_tokens(file.text or "")):
            words = [token.upper for token in statement[:8]]
            if words[:1] == ["CREATE"] and "TABLE" in words:
                self._create(file, statement, words.index("TABLE") + 1)
            elif words[:2] == ["ALTER", "TABLE"]:
                self._alter(file, statement)
            elif words[:1] in (["INSERT"], ["REPLACE"]):
                self._insert(file, statement)

    def finish(self) -> None:
        for file, table, rows in self.pending:
            self._rows(file, table, self.columns.get(table.lower(), []), rows)

    def _create(self, file: FileSource, statement: list[_Token], index: int) -> None:
        while index < len(statement) and statement[index].upper in ("IF", "NOT", "EXISTS"):
            index += 1
        parts, index = _dotted_name(statement, index)
        if not parts or index >= len(statement) or statement[index].text != "(":
            return  # CREATE TABLE … AS SELECT, or not understood
        body, _ = _group(statement, index)
        definitions = _split_top(body)
        keys: set[str] = set()
        primary: set[str] = set()
        for definition in definitions:
            head = definition[0].upper
            if head in _TABLE_CONSTRAINTS and not _is_column(definition):
                words = [t.upper for t in definition]
                if "FOREIGN" in words:
                    keys |= _constraint_columns(definition)
                elif "PRIMARY" in words:
                    primary |= _constraint_columns(definition)
        order = []
        for definition in definitions:
            if definition[0].upper in _TABLE_CONSTRAINTS and not _is_column(definition):
                continue
            name = definition[0].name
            order.append(name)
            self._column(file, parts, definition, name.lower() in keys, name.lower() in primary)
        self.columns[parts[-1].lower()] = order

    def _alter(self, file: FileSource, statement: list[_Token]) -> None:
        index = 2
        while index < len(statement) and statement[index].upper in ("IF", "EXISTS", "ONLY"):
            index += 1
        parts, index = _dotted_name(statement, index)
        if not parts:
            return
        for action in _split_top(statement[index:]):
            if not action or action[0].upper != "ADD":
                continue
            rest = action[1:]
            if rest and rest[0].upper == "COLUMN":
                rest = rest[1:]
            while rest and rest[0].upper in ("IF", "NOT", "EXISTS"):
                rest = rest[1:]
            if rest and rest[0].text == "(":  # MySQL: ADD (a INT, b TEXT)
                inner, _ = _group(rest, 0)
                for definition in _split_top(inner):
                    self._column(file, parts, definition, False, False)
            elif rest and (rest[0].upper not in _TABLE_CONSTRAINTS or _is_column(rest)):
                self._column(file, parts, rest, False, False)
                self.columns.setdefault(parts[-1].lower(), []).append(rest[0].name)

    def _column(
        self, file: FileSource, table: list[str], definition: list[_Token], foreign: bool, primary: bool
    ) -> None:
        name = definition[0]
        if name.kind not in ("word", "quoted"):
            return
        type_tokens: list[_Token] = []
        for token in definition[1:]:
            if token.upper in _COLUMN_END:
                break
            type_tokens.append(token)
        base = type_tokens[0].text.lower() if type_tokens else ""
        length = next((int(t.text) for t in type_tokens if t.kind == "number" and t.text.isdigit()), None)
        words = {token.upper for token in definition[1:]}
        unbounded = any(token.upper == "MAX" for token in type_tokens)
        self.found.fields.append(
            DeclaredField(
                name=name.name,
                container=table[-1],
                origin="sql",
                path=file.display,
                line=name.line,
                column=name.column,
                evidence=_line_text(file, name.line),
                aliases=(".".join(table),) if len(table) > 1 else (),
                textual=base in _STRING_TYPES,
                long_text=base in _LONG_TEXT_TYPES or unbounded,
                max_length=None if unbounded else length,
                foreign_key=foreign or "REFERENCES" in words,
                primary_key=primary or ("PRIMARY" in words and "KEY" in words),
                hints=(base,) if base else (),
                snippet=_join(definition),
            )
        )

    def _insert(self, file: FileSource, statement: list[_Token]) -> None:
        index = 1
        while index < len(statement) and statement[index].upper in ("INTO", "IGNORE", "OR", "REPLACE"):
            index += 1
        parts, index = _dotted_name(statement, index)
        if not parts or index >= len(statement):
            return
        columns: list[str] | None = None
        if statement[index].text == "(":
            inner, index = _group(statement, index)
            columns = [t.name for t in inner if t.kind in ("word", "quoted")]
        if columns is not None and index < len(statement) and statement[index].upper == "SELECT":
            end = next((i for i in range(index, len(statement)) if statement[i].upper == "FROM"), len(statement))
            wrapped = [_Token("punct", "(", 0, 0), *statement[index + 1 : end], _Token("punct", ")", 0, 0)]
            self._rows(file, parts[-1], columns, wrapped)  # INSERT … SELECT 'literal', … FROM …
            return
        if index >= len(statement) or statement[index].upper not in ("VALUES", "VALUE"):
            return
        rows = statement[index + 1 :]
        if columns is None:
            self.pending.append((file, parts[-1], rows))
        else:
            self._rows(file, parts[-1], columns, rows)

    def _rows(self, file: FileSource, table: str, columns: list[str], tokens: list[_Token]) -> None:
        index = 0
        while index < len(tokens) and tokens[index].text == "(":
            inner, index = _group(tokens, index)
            for name, value in zip(columns, _split_top(inner), strict=False):
                if len(value) == 1 and value[0].kind == "string":
                    line = value[0].line
                    self.found.samples.append(
                        Sample(name, table, value[0].string, file.display, line, _line_text(file, line))
                    )
            if index < len(tokens) and tokens[index].text == ",":
                index += 1


def _join(tokens: list[_Token]) -> str:
    text = " ".join(token.text for token in tokens)
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([,)(])", r"\1", text))


def _is_column(definition: list[_Token]) -> bool:
    """``key VARCHAR(64)``: a column named like a keyword (MySQL allows it) rather than a constraint."""
    return len(definition) > 1 and definition[1].kind == "word" and definition[1].text.lower() in _STRING_TYPES


def _constraint_columns(definition: list[_Token]) -> set[str]:
    """The columns of ``PRIMARY KEY (a, b)`` / ``FOREIGN KEY (a) REFERENCES …``: the first parenthesis."""
    for index, token in enumerate(definition):
        if token.text == "(" and token.kind == "punct":
            inner, _ = _group(definition, index)
            return {t.name.lower() for t in inner if t.kind in ("word", "quoted")}
    return set()


# -- Python models -----------------------------------------------------------------------------------

_PY_HINT = re.compile(r"Column\(|mapped_column\(|Mapped\[|models\.|Field\(")
_SA_TEXT_TYPES = frozenset({"text", "unicodetext", "clob"})
_SA_STRING_TYPES = frozenset({"string", "unicode", "varchar", "nvarchar", "char", "citext"}) | _SA_TEXT_TYPES
_DJANGO_TEXT = frozenset({"textfield"})
_DJANGO_STRING = frozenset({"charfield", "textfield", "emailfield", "slugfield", "urlfield"})
_DJANGO_RELATIONS = frozenset({"foreignkey", "onetoonefield", "manytomanyfield", "parentalkey"})


def _read_python(file: FileSource, found: Declared, warn: Warn) -> None:
    text = file.text or ""
    if not _PY_HINT.search(text):
        return
    try:
        tree = ast.parse(text, filename=file.display)
    except (SyntaxError, ValueError) as exc:
        warn(AuditWarning(file.display, f"not valid Python ({exc.__class__.__name__}); its models were not read"))
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            _read_class(file, node, found)
        elif isinstance(node, ast.Call) and _callee(node.func) in ("Table", "create_table"):
            _read_core_table(file, node, found)  # Core tables, and Alembic's op.create_table
        elif isinstance(node, ast.Call) and _callee(node.func) == "add_column" and _root(node.func) == "op":
            _read_core_table(file, node, found)  # Alembic: op.add_column("users", sa.Column("phone", …))


def _callee(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _const_str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _read_class(file: FileSource, node: ast.ClassDef, found: Declared) -> None:
    table = None
    db_table = None
    for statement in node.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__tablename__" for t in statement.targets
        ):
            table = _const_str(statement.value)
        elif isinstance(statement, ast.ClassDef) and statement.name == "Meta":
            for inner in statement.body:
                if isinstance(inner, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "db_table" for t in inner.targets
                ):
                    db_table = _const_str(inner.value)
    django_base = any(_callee(base).endswith("Model") for base in node.bases)
    for statement in node.body:
        target, value, annotation = _assignment(statement)
        if target is None:
            continue
        if isinstance(value, ast.Call) and _callee(value.func) in ("Column", "mapped_column"):
            _sa_column(file, node.name, table, target, value, annotation, statement, found)
        elif isinstance(value, ast.Call) and _is_django_field(value, django_base):
            _django_field(file, node.name, db_table, target, value, statement, found)
        elif value is None and annotation is not None and _mapped_type(annotation) is not None:
            _sa_column(file, node.name, table, target, None, annotation, statement, found)


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value, None
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value, statement.annotation
    return None, None, None


def _mapped_type(annotation: ast.expr) -> str | None:
    """``Mapped[str]``, ``Mapped[Optional[str]]``, ``Mapped[str | None]`` → ``"str"``; not Mapped → None."""
    if not (isinstance(annotation, ast.Subscript) and _callee(annotation.value) == "Mapped"):
        return None
    inner = annotation.slice
    if isinstance(inner, ast.Subscript) and _callee(inner.value) == "Optional":
        inner = inner.slice
    if isinstance(inner, ast.BinOp):
        inner = inner.left
    return _callee(inner).lower() if isinstance(inner, ast.Name | ast.Attribute) else ""


def _is_django_field(call: ast.Call, django_base: bool) -> bool:
    name = _callee(call.func)
    if name == "Field" or not (name.endswith("Field") or name.lower() in _DJANGO_RELATIONS):
        return False
    return _root(call.func) == "models" or (django_base and isinstance(call.func, ast.Name))


def _sa_column(
    file: FileSource,
    model: str,
    table: str | None,
    target: str,
    call: ast.Call | None,
    annotation: ast.expr | None,
    statement: ast.stmt,
    found: Declared,
) -> None:
    column_name = ""
    type_name = ""
    length: int | None = None
    foreign = False
    primary = False
    if call is not None:
        for arg in call.args:
            if (text := _const_str(arg)) is not None and not column_name:
                column_name = text
            elif isinstance(arg, ast.Call) and _callee(arg.func) == "ForeignKey":
                foreign = True
            elif not type_name and isinstance(arg, ast.Name | ast.Attribute | ast.Call):
                type_name, length = _sa_type(arg)
        primary = _is_true(_keyword(call, "primary_key"))
    if not type_name and annotation is not None:
        type_name = {"str": "string"}.get(_mapped_type(annotation) or "", _mapped_type(annotation) or "")
    _add_model_field(
        file, found, target, table or model, (model,) if table else (), column_name, statement,
        origin="sqlalchemy", type_name=type_name, length=length, foreign=foreign, primary=primary,
        textual=type_name in _SA_STRING_TYPES, long_text=type_name in _SA_TEXT_TYPES,
    )  # fmt: skip


def _sa_type(node: ast.expr) -> tuple[str, int | None]:
    if isinstance(node, ast.Call):
        first = node.args[0] if node.args else _keyword(node, "length")
        length = first.value if isinstance(first, ast.Constant) else None
        return _callee(node.func).lower(), length if isinstance(length, int) else None
    return _callee(node).lower(), None


def _django_field(
    file: FileSource,
    model: str,
    db_table: str | None,
    target: str,
    call: ast.Call,
    statement: ast.stmt,
    found: Declared,
) -> None:
    type_name = _callee(call.func).lower()
    max_length = _keyword(call, "max_length")
    length = max_length.value if isinstance(max_length, ast.Constant) else None
    aliases = tuple(name for name in (db_table, model.lower()) if name)
    _add_model_field(
        file, found, target, model, aliases, _const_str(_keyword(call, "db_column")) or "", statement,
        origin="django", type_name=type_name, length=length if isinstance(length, int) else None,
        foreign=type_name in _DJANGO_RELATIONS, primary=_is_true(_keyword(call, "primary_key")),
        textual=type_name in _DJANGO_STRING, long_text=type_name in _DJANGO_TEXT,
    )  # fmt: skip


def _add_model_field(
    file: FileSource,
    found: Declared,
    name: str,
    container: str,
    aliases: tuple[str, ...],
    column_name: str,
    statement: ast.stmt,
    *,
    origin: str,
    type_name: str,
    length: int | None,
    foreign: bool,
    primary: bool,
    textual: bool,
    long_text: bool,
) -> None:
    found.fields.append(
        DeclaredField(
            name=name,
            container=container,
            origin=origin,
            path=file.display,
            line=statement.lineno,
            column=statement.col_offset + 1,
            evidence=_line_text(file, statement.lineno),
            aliases=aliases,
            column_name=column_name if column_name != name else "",
            textual=textual,
            long_text=long_text,
            max_length=length,
            foreign_key=foreign,
            primary_key=primary,
            hints=(type_name,) if type_name else (),
        )
    )


def _read_core_table(file: FileSource, call: ast.Call, found: Declared) -> None:
    table = _const_str(call.args[0]) if call.args else None
    if table is None:
        return
    for arg in call.args[1:]:
        if isinstance(arg, ast.Call) and _callee(arg.func) == "Column" and arg.args:
            name = _const_str(arg.args[0])
            if name is None:
                continue
            rest = ast.Call(func=arg.func, args=arg.args[1:], keywords=arg.keywords)
            statement = ast.Expr(value=arg, lineno=arg.lineno, col_offset=arg.col_offset)
            _sa_column(file, table, table, name, rest, None, statement, found)


# -- OpenAPI and JSON Schema -------------------------------------------------------------------------

_SCHEMA_HINT = re.compile(
    r"""^\s*["']?(?:openapi|swagger|\$schema)["']?\s*:|"properties"\s*:|^\s*properties\s*:""", re.M
)
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_NOT_FREE_FORMATS = frozenset(
    {"date", "date-time", "time", "duration", "uuid", "uri", "url", "uri-reference", "iri", "hostname", "ipv4",
     "ipv6", "byte", "binary", "int32", "int64", "password", "regex", "json-pointer"}
)  # fmt: skip


class _Map(dict[str, Any]):
    """A mapping that remembers the line of each key."""

    lines: dict[str, int]

    def __init__(self) -> None:
        super().__init__()
        self.lines = {}

    def line(self, key: str, default: int = 0) -> int:
        return self.lines.get(key, default)


@dataclass
class _Schema:
    """A schema file: its named objects' property names, to match fixtures beside it."""

    title: str
    properties: dict[str, set[str]]


def _loader() -> type[yaml.SafeLoader]:
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def _parse_lined(file: FileSource, warn: Warn) -> Any:
    """The document with a :class:`_Map` for every mapping; ``None`` (after a warning) if it cannot be read."""
    text = file.text or ""
    try:
        node = yaml.compose(text, Loader=_loader())
        return _from_node(node, 0) if node is not None else None
    except yaml.YAMLError as exc:
        error: Exception = exc
    if file.suffix == ".json":
        try:
            return _lined_json(json.loads(text), file.lines, 1)
        except ValueError as exc:
            error = exc
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark is not None else ""
    warn(AuditWarning(file.display, f"not valid {file.suffix[1:].upper()}{where}; its fields were not read"))
    return None


def _from_node(node: yaml.Node, depth: int) -> Any:
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, yaml.MappingNode):
        mapping = _Map()
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
            if name and name != "<<":
                mapping[name] = _from_node(value, depth + 1)
                mapping.lines[name] = key.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [_from_node(item, depth + 1) for item in node.value]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    value = str(node.value)
    tag = str(node.tag)
    if tag.endswith(":int"):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag.endswith(":bool"):
        return value.lower() in ("true", "yes", "on", "y")
    if tag.endswith(":null"):
        return None
    return value


def _lined_json(value: Any, lines: list[str], after: int) -> Any:
    """JSON that YAML would not read (tabs, odd escapes): lines found by searching for each key."""
    if isinstance(value, dict):
        mapping = _Map()
        for key, item in value.items():
            line = _find_line(lines, f'"{key}"', after)
            mapping[str(key)] = _lined_json(item, lines, line or after)
            mapping.lines[str(key)] = line
        return mapping
    if isinstance(value, list):
        return [_lined_json(item, lines, after) for item in value]
    return value


def _find_line(lines: list[str], needle: str, after: int) -> int:
    for number in range(max(after, 1), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return 0


def _read_schema(file: FileSource, found: Declared, warn: Warn) -> _Schema | None:
    """Read an OpenAPI or JSON Schema document; ``None`` when the file is neither."""
    if not _SCHEMA_HINT.search(file.text or ""):
        return None
    document = _parse_lined(file, warn)
    if not isinstance(document, _Map):
        return None
    is_api = "openapi" in document or "swagger" in document
    if not is_api and not ("$schema" in document or isinstance(document.get("properties"), dict)):
        if not isinstance(document.get("definitions") or document.get("$defs"), dict):
            return None
    title = str(document.get("title") or _stem(file))
    reader = _SchemaReader(file, found, "openapi" if is_api else "jsonschema")
    for section in _named_sections(document):
        for name, schema in section.items():
            reader.schema(schema, name, section.line(name))
    if is_api:
        reader.operations(document)
    elif isinstance(document.get("properties"), dict):
        reader.schema(document, title, 0)
    return _Schema(title, reader.properties)


def _stem(file: FileSource) -> str:
    name = file.name
    for suffix in (".schema.json", ".schema.yaml", ".schema.yml"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return file.path.stem


def _named_sections(document: _Map) -> Iterator[_Map]:
    components = document.get("components")
    if isinstance(components, _Map) and isinstance(components.get("schemas"), _Map):
        yield components["schemas"]
    for key in ("definitions", "$defs"):
        if isinstance(document.get(key), _Map):
            yield document[key]


class _SchemaReader:
    def __init__(self, file: FileSource, found: Declared, origin: str) -> None:
        self.file = file
        self.found = found
        self.origin = origin
        self.properties: dict[str, set[str]] = {}

    def schema(self, schema: Any, container: str, line: int, depth: int = 0) -> None:
        if not isinstance(schema, _Map) or depth > MAX_DEPTH:
            return
        properties = schema.get("properties")
        if isinstance(properties, _Map):
            for name, sub in properties.items():
                self.property(container, name, sub, properties.line(name, line))
                if isinstance(sub, _Map):
                    self.schema(sub, container, properties.line(name, line), depth + 1)
        for key in ("items", "additionalProperties"):
            self.schema(schema.get(key), container, schema.line(key, line), depth + 1)
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key) or ():
                self.schema(part, container, schema.line(key, line), depth + 1)
        self.object_example(schema.get("example"), container, schema.line("example", line))

    def property(self, container: str, name: str, schema: Any, line: int) -> None:
        self.properties.setdefault(container, set()).add(name.lower())
        schema = schema if isinstance(schema, _Map) else _Map()
        kind = schema.get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind}
        fmt = str(schema.get("format") or "").lower()
        textual = "string" in kinds and "enum" not in schema and fmt not in _NOT_FREE_FORMATS
        max_length = schema.get("maxLength")
        hints = tuple(
            hint for hint in (f"format:{fmt}" if fmt else "", str(schema.get("x-fides-category") or "")) if hint
        )
        self.found.fields.append(
            DeclaredField(
                name=name,
                container=container,
                origin=self.origin,
                path=self.file.display,
                line=line,
                column=0,
                evidence=_line_text(self.file, line),
                textual=textual,
                max_length=max_length if isinstance(max_length, int) else None,
                hints=hints,
            )
        )
        for key in ("example", "default"):
            if isinstance(schema.get(key), str) and key == "example":
                self.sample(container, name, schema[key], schema.line(key, line), hints)
        examples = schema.get("examples")
        if isinstance(examples, list):
            for value in examples:
                if isinstance(value, str):
                    self.sample(container, name, value, schema.line("examples", line), hints)

    def object_example(self, example: Any, container: str, line: int) -> None:
        if isinstance(example, _Map):
            for name, value in example.items():
                if isinstance(value, str):
                    self.sample(container, name, value, example.line(name, line), ())
                elif isinstance(value, _Map):
                    self.object_example(value, container, example.line(name, line))

    def sample(self, container: str, name: str, value: str, line: int, hints: tuple[str, ...]) -> None:
        self.found.samples.append(
            Sample(name, container, value, self.file.display, line, _line_text(self.file, line), hints)
        )

    def operations(self, document: _Map) -> None:
        components = document.get("components")
        if isinstance(components, _Map) and isinstance(components.get("parameters"), _Map):
            for parameter in components["parameters"].values():
                self.parameter(parameter, "parameters", 0)
        paths = document.get("paths")
        if not isinstance(paths, _Map):
            return
        for route, item in paths.items():
            if not isinstance(item, _Map):
                continue
            for parameter in item.get("parameters") or ():
                self.parameter(parameter, route, paths.line(route))
            for method, operation in item.items():
                if method.lower() in _HTTP_METHODS and isinstance(operation, _Map):
                    self.operation(operation, f"{method.upper()} {route}", item.line(method))

    def operation(self, operation: _Map, label: str, line: int) -> None:
        container = str(operation.get("operationId") or label)
        for parameter in operation.get("parameters") or ():
            self.parameter(parameter, container, line)
        body = operation.get("requestBody")
        content = body.get("content") if isinstance(body, _Map) else None
        if isinstance(content, _Map):
            for media in content.values():
                if isinstance(media, _Map):
                    self.media(media, container, line)

    def media(self, media: _Map, container: str, line: int) -> None:
        schema = media.get("schema")
        if isinstance(schema, _Map) and "$ref" not in schema:
            self.schema(schema, container, media.line("schema", line))
        ref = schema.get("$ref") if isinstance(schema, _Map) else None
        named = str(ref).rsplit("/", 1)[-1] if ref else container
        self.object_example(media.get("example"), named, media.line("example", line))
        examples = media.get("examples")
        if isinstance(examples, _Map):
            for example in examples.values():
                if isinstance(example, _Map):
                    self.object_example(example.get("value"), named, example.line("value", line))

    def parameter(self, parameter: Any, container: str, line: int) -> None:
        if not isinstance(parameter, _Map) or not isinstance(parameter.get("name"), str):
            return
        where = str(parameter.get("in") or "")
        if where == "body":
            self.schema(parameter.get("schema"), container, parameter.line("schema", line))
            return
        inner = parameter.get("schema")
        schema = inner if isinstance(inner, _Map) else parameter
        merged = _Map()
        merged.update(schema)
        merged.lines.update(schema.lines)
        if "example" in parameter:
            merged["example"] = parameter["example"]
            merged.lines["example"] = parameter.line("example")
        self.property(container, parameter["name"], merged, parameter.line("name", line))


# -- JSON fixtures beside a schema, Django fixtures ----------------------------------------------------

_FIXTURE_HINT = re.compile(r"""["']?model["']?\s*:.*?["']?fields["']?\s*:""", re.S)


def _looks_like_fixture(text: str | None) -> bool:
    return bool(text) and bool(_FIXTURE_HINT.search((text or "")[:4000]))


def _read_data_file(file: FileSource, schemas: list[_Schema], found: Declared, warn: Warn) -> None:
    text = file.text or ""
    django = _looks_like_fixture(text)
    if not schemas and not django:
        return
    document = _parse_lined(file, warn)
    if django and isinstance(document, list):
        for record in document:
            if isinstance(record, _Map) and isinstance(record.get("fields"), _Map):
                model = str(record.get("model") or "").rsplit(".", 1)[-1]
                _data_samples(file, record["fields"], model, found, 0)
        return
    keys = _keys(document, 0)
    shared = max((len(keys & props) for schema in schemas for props in schema.properties.values()), default=0)
    if shared < min(2, len(keys)):
        return  # not data for these schemas (package.json beside an openapi.json)
    best = max(schemas, key=lambda s: max((len(keys & props) for props in s.properties.values()), default=0))
    container = max(best.properties, key=lambda name: len(keys & best.properties[name]), default=best.title)
    _data_samples(file, document, container, found, 0)


def _keys(value: Any, depth: int) -> set[str]:
    if depth > MAX_DEPTH:
        return set()
    if isinstance(value, dict):
        return {str(k).lower() for k in value} | {k for v in value.values() for k in _keys(v, depth + 1)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item, depth + 1)}
    return set()


def _data_samples(file: FileSource, value: Any, container: str, found: Declared, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, _Map):
        for key, item in value.items():
            if isinstance(item, str):
                line = value.line(key)
                found.samples.append(Sample(key, container, item, file.display, line, _line_text(file, line)))
            else:
                _data_samples(file, item, container, found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _data_samples(file, item, container, found, depth + 1)


# -- HTML forms --------------------------------------------------------------------------------------

_TEMPLATE_MARK = re.compile(r"\{\{|\{%|<%|\$\{|\{#|@\(")
_SKIP_INPUT_TYPES = frozenset({"submit", "button", "reset", "image"})
_TEXT_INPUT_TYPES = frozenset({"", "text", "search"})
_MODEL_ATTRIBUTES = ("name", "formcontrolname", "v-model", "ng-model", "x-model", "wire:model", "th:field")


def _read_html(file: FileSource, found: Declared) -> None:
    text = file.text or ""
    if not re.search(r"<(?:input|select|textarea)\b", text, re.I):
        return
    parser = _FormParser(file, found)
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # html.parser on badly broken markup
        pass


class _FormParser(HTMLParser):
    def __init__(self, file: FileSource, found: Declared) -> None:
        super().__init__(convert_charrefs=True)
        self.file = file
        self.found = found
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key.lower(): value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(_form_name(attributes) or _stem(self.file))
        elif tag in ("input", "select", "textarea"):
            self.control(tag, attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.forms:
            self.forms.pop()

    def control(self, tag: str, attributes: dict[str, str]) -> None:
        kind = attributes.get("type", "").lower() if tag == "input" else tag
        raw = next((attributes[key] for key in _MODEL_ATTRIBUTES if attributes.get(key)), "")
        if not raw or kind in _SKIP_INPUT_TYPES or _TEMPLATE_MARK.search(raw):
            return
        container, name = _split_form_name(raw, self.forms[-1] if self.forms else _stem(self.file))
        if not name:
            return
        line, offset = self.getpos()
        hints = [f"type:{kind}"] if kind else []
        hints += [f"autocomplete:{token}" for token in attributes.get("autocomplete", "").lower().split()]
        length = attributes.get("maxlength", "")
        self.found.fields.append(
            DeclaredField(
                name=name,
                container=container,
                origin="form",
                path=self.file.display,
                line=line,
                column=offset + 1,
                evidence=_line_text(self.file, line),
                textual=tag == "textarea" or kind in _TEXT_INPUT_TYPES,
                long_text=tag == "textarea",
                max_length=int(length) if length.isdigit() else None,
                hints=tuple(hints),
                snippet=" ".join((self.get_starttag_text() or "").split()),
            )
        )
        for key in ("placeholder", "value"):
            value = attributes.get(key, "")
            if value and not _TEMPLATE_MARK.search(value) and kind not in ("checkbox", "radio"):
                self.found.samples.append(
                    Sample(name, container, value, self.file.display, line, _line_text(self.file, line), tuple(hints))
                )


def _form_name(attributes: dict[str, str]) -> str:
    for key in ("id", "name"):
        if attributes.get(key) and not _TEMPLATE_MARK.search(attributes[key]):
            return attributes[key]
    action = attributes.get("action", "")
    if action and not _TEMPLATE_MARK.search(action):
        path = action.split("?", 1)[0].strip("/")
        return path.rsplit("/", 1)[-1] if path else ""
    return ""


def _split_form_name(raw: str, form: str) -> tuple[str, str]:
    """``customer[address][postcode]`` → (``customer``, ``postcode``); ``form.email`` → (form, ``email``)."""
    parts = [part for part in re.split(r"[\[\]]+", raw) if part]
    if len(parts) > 1:
        return parts[0], parts[-1]
    name = raw.rsplit(".", 1)[-1].strip()
    return form, name
