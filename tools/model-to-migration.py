#!/usr/bin/env python3
"""Turns a dump of the EF model (tables, columns, keys, indexes) into MigrationBuilder statements.

dotnet-ef cannot be installed here, so migrations are written by hand; this prints a starting point for the
CreateTable/CreateIndex calls of new tables, which are then pasted into a hand-maintained migration and
checked by the schema drift test (tests/PaymentHub.Tests/Schema).
Usage: python3 tools/model-to-migration.py model.txt [table ...]
"""
import re
import sys

CLR = {"Int32": "int", "Int64": "long", "String": "string", "DateTime": "DateTime", "Decimal": "decimal",
       "Byte[]": "byte[]", "Boolean": "bool", "Double": "double"}


def parse(lines):
    tables, cur = [], None
    for line in lines:
        line = line.rstrip()
        if line.startswith("TABLE "):
            cur = {"name": line[6:], "cols": [], "pk": None, "fks": [], "ixs": []}
            tables.append(cur)
        elif line.startswith("  COL "):
            m = dict(re.findall(r"(\w+)=(.*?)(?= \w+=|$)", line))
            name = line.split()[1]
            cur["cols"].append((name, m))
        elif line.startswith("  PK "):
            m = re.match(r"  PK (\S+) \((.*)\)", line)
            cur["pk"] = (m.group(1), m.group(2).split(","))
        elif line.startswith("  FK "):
            m = re.match(r"  FK (\S+) \((.*)\) -> (\w+)\((.*)\) (\w+)", line)
            cur["fks"].append(m.groups())
        elif line.startswith("  IX "):
            m = re.match(r"  IX (\S+) \((.*)\) unique=(\w+)", line)
            cur["ixs"].append((m.group(1), m.group(2).split(","), m.group(3) == "True"))
    return tables


def clr_type(m):
    store, clr = m["store"], m["clr"]
    if store.startswith("character varying") or store == "text":
        base = "string"
    elif clr.startswith("Nullable"):
        base = {"integer": "int", "bigint": "long", "timestamp with time zone": "DateTime", "numeric(18,2)": "decimal",
                "boolean": "bool"}[store]
    else:
        base = CLR.get(clr, "string")
    nullable = m["null"] == "True"
    return base + ("?" if nullable and base not in ("string", "byte[]") else "")


def emit(t):
    out = [f'        migrationBuilder.CreateTable(', f'            name: "{t["name"]}",', '            columns: table => new', '            {']
    for name, m in t["cols"]:
        args = []
        if m.get("maxlen"):
            args.append(f'maxLength: {m["maxlen"]}')
        if m.get("prec"):
            args.append(f'precision: {m["prec"]}, scale: {m["scale"]}')
        args.append(f'nullable: {m["null"].lower()}')
        col = f'table.Column<{clr_type(m)}>({", ".join(args)})'
        if m["id"] == "True":
            col += ('\n                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)'
                    '\n                    .Annotation("Sqlite:Autoincrement", true)')
        out.append(f'                {name} = {col},')
    out.append('            },')
    out.append('            constraints: table =>')
    out.append('            {')
    pk_name, pk_cols = t["pk"]
    cols = ", ".join(f"x.{c}" for c in pk_cols)
    out.append(f'                table.PrimaryKey("{pk_name}", x => {cols if len(pk_cols) == 1 else "new { " + cols + " }"});')
    for name, cols_, principal, pcols, action in t["fks"]:
        out.append(f'                table.ForeignKey(name: "{name}", column: x => x.{cols_}, principalTable: "{principal}", '
                   f'principalColumn: "{pcols}", onDelete: ReferentialAction.{action});')
    out.append('            });')
    out.append('')
    for name, cols_, unique in t["ixs"]:
        colspec = f'"{cols_[0]}"' if len(cols_) == 1 else "new[] { " + ", ".join(f'"{c}"' for c in cols_) + " }"
        col_arg = "column" if len(cols_) == 1 else "columns"
        out.append(f'        migrationBuilder.CreateIndex(name: "{name}", table: "{t["name"]}", {col_arg}: {colspec}'
                   + (", unique: true" if unique else "") + ");")
    out.append('')
    return "\n".join(out)


if __name__ == "__main__":
    tables = parse(open(sys.argv[1]).read().splitlines())
    wanted = sys.argv[2:]
    for t in tables:
        if not wanted or t["name"] in wanted:
            print(emit(t))
