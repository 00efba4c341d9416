"""Security: only configured hosts, TLS verified, bounded responses and parsing, no SQL built from
data, no file name from the network used as a path, loopback-only servers, no secrets in the repo.

Dynamic tests drive ``ingestion.releases.refresh`` against loopback servers or damaged copies of real
snapshot files (each says how); static tests read the source code and the repository's files.
"""

from __future__ import annotations

import ast
import datetime as dt
import ipaddress
import re
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from ingestion.catalog import get
from ingestion.errors import FetchError
from ingestion.settings import DEFAULT_ALLOWED_HOSTS, REPO_ROOT, Settings
from tests.faults import damage as dmg
from tests.faults import http_faults as hf
from tests.faults.conftest import (
    assert_clean_rerun,
    assert_fault_contained,
    before,
    fails_contained,
    snapshot_source,
    tree_state,
)

INCOME = get("income_annual")
POPULATION = get("population")
ROUTE = INCOME.url_path
REAL = dmg.real("income_annual")
KYZYLORDA_2006 = b"200612,KYZYLORDA REGION,0,14 602"
REVISED = dmg.replace_once(REAL, KYZYLORDA_2006, KYZYLORDA_2006.replace(b"14 602", b"14 650"))
SHEET1 = "xl/worksheets/sheet1.xml"


# --- only configured hosts, over TLS ------------------------------------------------------------


def test_a_base_url_whose_host_is_not_allowed_is_never_contacted(warehouse, http):
    # The server listens on 127.0.0.1 and is reached as 'localhost', which is not an allowed host.
    http.server.set(ROUTE, REAL, "csv")
    port = http.server.base_url.rsplit(":", 1)[1]
    was = before(warehouse, INCOME)
    outcome = http.refresh(warehouse, INCOME, base_url=f"http://localhost:{port}")
    assert http.server.hits == []
    assert_fault_contained(
        warehouse, INCOME, was, outcome, cause=r"host 'localhost' is not in the allowed hosts", landed=None
    )
    assert http.rerun_clean(warehouse, INCOME).status == "unchanged"


def test_plain_http_is_refused_off_loopback(warehouse, http):
    # An allowed public host over http: refused before any connection (there is no network here).
    was = before(warehouse, INCOME)
    outcome = http.refresh(warehouse, INCOME, base_url="http://stat.gov.kz", allowed_hosts=("stat.gov.kz",))
    assert_fault_contained(warehouse, INCOME, was, outcome, cause=r"scheme 'http' refused", landed=None)


def test_defaults_are_the_offline_snapshot_and_https_to_the_bns_hosts(monkeypatch, tmp_path):
    for name in ("KZW_SOURCE", "KZW_BASE_URL", "KZW_ALLOWED_HOSTS", "KZW_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert settings.source == "snapshot"  # no network unless asked for
    assert settings.base_url == "https://stat.gov.kz"
    assert settings.allowed_hosts == DEFAULT_ALLOWED_HOSTS
    assert all(h == "stat.gov.kz" or h.endswith(".stat.gov.kz") for h in settings.allowed_hosts)
    assert settings.max_bytes == 50 * 1024 * 1024 and settings.read_timeout_s <= 60


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_tls_certificate_is_verified(warehouse, http, tmp_path):
    # An HTTPS server on 127.0.0.1 with a self-signed certificate (made here, in the temp dir).
    cert, key = _self_signed(tmp_path)
    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            served.append(self.path)
            hf.respond(200, REAL, {"Content-Type": "text/csv"})(self)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        was = before(warehouse, INCOME)
        outcome = http.refresh(warehouse, INCOME, base_url=url)
        assert served == [], "data was served over a connection whose certificate was not verified"
        assert_fault_contained(
            warehouse, INCOME, was, outcome, cause=r"SSLError.*CERTIFICATE_VERIFY_FAILED", landed=None
        )
        # Control: a client that trusts this certificate is served, so the refusal was verification.
        assert requests.get(url + ROUTE, verify=str(cert), timeout=10).status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def _calls(path: Path) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)]


def _python_files(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (REPO_ROOT / pkg).rglob("*.py"))


def test_tls_verification_is_never_switched_off_in_the_code():
    sources = REPO_ROOT / "ingestion" / "sources.py"
    gets = [
        c for c in _calls(sources) if isinstance(c.func, ast.Attribute) and c.func.attr in ("get", "request")
    ]
    verify = [k.value for c in gets for k in c.keywords if k.arg == "verify"]
    assert verify and all(isinstance(v, ast.Constant) and v.value is True for v in verify)
    assert "self.session.trust_env = False" in sources.read_text()  # no proxy/CA bundle from the env
    for path in _python_files("ingestion", "publishing", "orchestration"):
        for call in _calls(path):
            for keyword in call.keywords:
                off = isinstance(keyword.value, ast.Constant) and keyword.value.value in (False, "", None)
                assert not (keyword.arg == "verify" and off), (
                    f"{path}:{call.lineno} switches TLS verification off"
                )
        text = path.read_text(encoding="utf-8")
        assert "_create_unverified_context" not in text and "disable_warnings" not in text, path


# --- sizes and parse limits -------------------------------------------------------------------------


def test_xlsx_zip_bomb_is_refused(warehouse, tmp_path):
    # Damage: a 20 MB member of zeros (compresses ~1000:1) added to the real population workbook.
    data = dmg.add_zip_member(dmg.real("population"), "xl/worksheets/sheet9.xml", bytes(20 * 1024 * 1024))
    assert len(data) < 200_000
    fails_contained(
        warehouse, tmp_path, POPULATION, data, r"zip member 'xl/worksheets/sheet9.xml'.*compression"
    )


def _billion_laughs(body: bytes) -> bytes:
    """sharedStrings.xml with nine nested entities (10**9 'lol's) referenced from its first string."""
    entities = b"".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "lol") * 10}">'.encode() for i in range(1, 10)
    )
    head, rest = body.split(b"?>", 1)
    first = b'<t xml:space="preserve">'
    return head + b"?><!DOCTYPE sst [" + entities + b"]>" + rest.replace(first, first + b"&lol9;", 1)


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML, "openpyxl cannot import defusedxml: entity expansion would run"


def test_xlsx_billion_laughs_is_refused_quickly(warehouse, tmp_path):
    # Damage: an entity expansion (billion laughs) in the sharedStrings of the real population file.
    data = dmg.edit_zip_member(dmg.real("population"), "xl/sharedStrings.xml", _billion_laughs)
    started = time.monotonic()
    fails_contained(
        warehouse, tmp_path, POPULATION, data, r"XML entity declarations refused \(EntitiesForbidden"
    )
    assert time.monotonic() - started < 60, "refused, but not quickly"


def test_xlsx_value_far_below_the_row_cap_is_refused_not_dropped(warehouse, tmp_path):
    # Damage: a number in row 100000 (cap: 5000 rows) appended to sheet1 of the real population file.
    row = b'<row r="100000"><c r="B100000"><v>123</v></c></row></sheetData>'
    data = dmg.edit_zip_member(
        dmg.real("population"), SHEET1, lambda x: dmg.replace_once(x, b"</sheetData>", row)
    )
    fails_contained(warehouse, tmp_path, POPULATION, data, r"row 100000: more than 5000 rows")


def test_xlsx_value_far_right_of_the_column_cap_is_refused_not_dropped(warehouse, tmp_path):
    # Damage: a new row 70 of sheet1 with a number in column AMM (the 1027th; cap: 1000 columns).
    row = b'<row r="70"><c r="AMM70"><v>5</v></c></row></sheetData>'
    data = dmg.edit_zip_member(
        dmg.real("population"), SHEET1, lambda x: dmg.replace_once(x, b"</sheetData>", row)
    )
    fails_contained(warehouse, tmp_path, POPULATION, data, r"row 70: more than 1000 columns")


def test_xlsx_declaring_a_huge_dimension_costs_nothing(warehouse, tmp_path):
    # Damage: sheet1's <dimension ref="A1:Z65"/> changed to claim the whole Excel grid
    # (1048576 x 16384 cells). Only the real cells are read: the release loads, values unchanged.
    data = dmg.edit_zip_member(
        dmg.real("population"),
        SHEET1,
        lambda x: dmg.replace_once(x, b'<dimension ref="A1:Z65"/>', b'<dimension ref="A1:XFD1048576"/>'),
    )
    done = warehouse.refresh(POPULATION, warehouse.snapshot_source(tmp_path, POPULATION, data))
    assert done.status == "loaded" and done.record.revised_cells == 0 and done.record.new_cells == 0
    assert tree_state(warehouse.published) == warehouse.published_before


def test_json_nested_too_deeply_is_refused(warehouse, tmp_path):
    # Not a damaged real file: 100000 nested lists, the classic parser-stack attack (a few bytes).
    dataset = dmg.json_dataset(INCOME)
    data = b"[" * 100_000 + b"]" * 100_000
    clean = dmg.income_as_json_slices()  # the real release as JSON slices
    fails_contained(warehouse, tmp_path, dataset, data, r"document: JSON nested too deeply", clean=clean)


def test_csv_field_over_the_cap_is_refused(warehouse, tmp_path):
    # Damage: line 2's NAM field of the real income CSV padded to 20000 characters (cap: 10000).
    lines = dmg.csv_lines(REAL)
    name = lines[1].split(",")[0]
    lines[1] = lines[1].replace(name, name + " " * 20_000, 1)
    fails_contained(warehouse, tmp_path, INCOME, dmg.csv_bytes(lines), r"line 2: field of 20\d{3} characters")


# --- no SQL assembled from data -----------------------------------------------------------------

SQL_METHODS = {"execute", "executemany", "sql", "query", "from_query"}
#: Every expression interpolated into SQL text, and why it is not data. Anything else must be a
#: ``?`` parameter (values) or live in dbt (models). Add an entry only with its reason.
INTERPOLATED = {
    ("ingestion/raw_store.py", "dataset_id"): "catalog id (ingestion/catalog.py), double-quoted identifier",
    ("ingestion/raw_store.py", "record.dataset_id"): "catalog id, double-quoted identifier",
    ("ingestion/raw_store.py", "RELEASES_DDL"): "constant DDL",
    ("ingestion/raw_store.py", "observations_ddl(dataset_id)"): "DDL from the catalog id and schema contract",
    ("ingestion/raw_store.py", "observations_ddl(record.dataset_id)"): "same",
    ("ingestion/raw_store.py", "MEASURE_CATALOG_DDL"): "constant DDL",
    ("ingestion/raw_store.py", "CURRENT_RELEASES_VIEW"): "constant view definition",
    ("ingestion/raw_store.py", "CURRENT_OBSERVATIONS_VIEW"): "constant view definition",
    ("ingestion/raw_store.py", "observations_view(_observation_tables(con))"): (
        "union of raw tables listed by information_schema, double-quoted identifiers"
    ),
    ("ingestion/raw_store.py", "', '.join(MEASURE_COLUMNS)"): "constant column list (ingestion/catalog.py)",
    ("ingestion/raw_store.py", "', '.join('?' * len(MEASURE_COLUMNS))"): "? placeholders, one per column",
    ("ingestion/raw_store.py", "columns"): "constant column list (OBSERVATION_COLUMNS)",
    ("publishing/publish.py", "schema"): "schema of a dbt model / PUBLISHED_EXTRA, double-quoted",
    ("publishing/publish.py", "table"): "name of a dbt model / PUBLISHED_EXTRA, double-quoted",
    ("publishing/publish.py", "target"): 'pub."schema"."table" built from the two above',
    ("publishing/publish.py", "column"): "column of a dbt model, double-quoted",
    ("publishing/cross_engine.py", "RAW_SCHEMA"): "constant 'raw'",
    ("publishing/cross_engine.py", "table"): "raw table listed by information_schema, double-quoted",
    ("publishing/cross_engine.py", "target"): "Parquet path under a caller's directory, single-quoted",
    ("publishing/state.py", "LOADED_RELEASES_SQL.format(schema=schema)"): (
        "constant query; schema is 'raw' or 'build.raw' (the publish step's attached build database)"
    ),
    ("publishing/revisions.py", "REVISIONS_SQL"): "constant query; the version is a ? parameter",
    ("publishing/revisions.py", "EMPTY_REVISIONS_DDL"): "constant DDL",
    ("publishing/verify.py", "columns"): "constant column list (OBSERVATION_COLUMNS)",
    (
        "publishing/verify.py",
        "current",
    ): 'query on raw."<dataset_id>" (a ledger dataset id, double-quoted), ? values',
    ("publishing/verify.py", "dataset_id"): "dataset id of raw.observations, double-quoted identifier",
    (
        "publishing/verify.py",
        "schema",
    ): "schema named in meta.publication and listed in the file, double-quoted",
    (
        "publishing/verify.py",
        "table",
    ): "table named in meta.publication and listed in the file, double-quoted",
    (
        "publishing/open_data.py",
        "database",
    ): "attach alias of the publish step ('pub' or 'build'), a constant",
    ("publishing/open_data.py", "schema"): "schema of a published table (publish.py's list), double-quoted",
    ("publishing/open_data.py", "name"): "name of a published table (publish.py's list), double-quoted",
    ("publishing/open_data.py", "_select_list(table, database, text=True)"): (
        "select list of columns listed by duckdb_columns(), double-quoted identifiers"
    ),
    ("publishing/open_data.py", "_select_list(t, database, text=False)"): "same",
    ("publishing/open_data.py", "_escape(str(out))"): (
        "CSV path inside the publish step's own staging directory, single quotes escaped"
    ),
    ("orchestration/cli.py", "s"): "schema listed by duckdb_tables() of the published file, double-quoted",
    ("orchestration/cli.py", "t"): "table listed by duckdb_tables() of the published file, double-quoted",
}
#: ``_quote(x)`` makes a SQL string literal with quotes doubled; publish uses it for file paths from
#: Settings, dbt descriptions and constants.
QUOTING_FUNCTIONS = {("publishing/publish.py", "_quote"), ("publishing/verify.py", "_quote")}


def _sql_fragments(path: Path) -> list[tuple[int, str]]:
    """(line, expression) of everything non-constant that reaches a SQL string in ``path``."""
    found = []
    for call in _calls(path):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr in SQL_METHODS and call.args):
            continue
        sql = call.args[0]
        if isinstance(sql, ast.Constant):
            continue
        if isinstance(sql, ast.JoinedStr):
            for part in sql.values:
                if isinstance(part, ast.FormattedValue):
                    found.append((call.lineno, ast.unparse(part.value)))
        else:  # a name, a call, a concatenation, "...".format(...), "..." % x
            found.append((call.lineno, ast.unparse(sql)))
    return found


def test_no_sql_is_assembled_from_data_values():
    unexplained = []
    for path in _python_files("ingestion", "publishing", "orchestration"):
        name = str(path.relative_to(REPO_ROOT))
        for line, expression in _sql_fragments(path):
            call = re.match(r"^(\w+)\(", expression)
            if (name, expression) in INTERPOLATED or (call and (name, call[1]) in QUOTING_FUNCTIONS):
                continue
            unexplained.append(f"{name}:{line}: {expression}")
    assert not unexplained, "SQL text built from values; use ? parameters:\n" + "\n".join(unexplained)
    # The values of a release reach DuckDB only as parameters or a registered DataFrame.
    raw_store = (REPO_ROOT / "ingestion" / "raw_store.py").read_text()
    assert "insert into raw.releases values (" + ", ".join(["?"] * 14) + ")" in raw_store
    assert 'insert into raw."{record.dataset_id}" by name select * from incoming_rows' in raw_store


def test_a_hostile_label_is_stored_as_text_not_run_as_sql(warehouse, tmp_path):
    # Damage: the region label on line 2 of the real income CSV replaced by a SQL injection attempt.
    hostile = "KYZYLORDA REGION'); drop table raw.releases; --"
    data = dmg.replace_once(
        REAL, KYZYLORDA_2006, KYZYLORDA_2006.replace(b"KYZYLORDA REGION", hostile.encode())
    )
    fails_contained(warehouse, tmp_path, INCOME, data, re.escape(hostile))
    assert hostile in warehouse.new_ledger_rows(INCOME.id)[-2]["error"]  # stored verbatim, table intact


# --- names from the network never become paths ---------------------------------------------------


def _no_file_named(root: Path, word: str) -> None:
    hits = [p for p in root.rglob("*") if word in p.name]
    assert not hits, f"files named after the network: {hits}"


def test_content_disposition_file_name_is_never_used_as_a_path(warehouse, http, tmp_path):
    # A new release (one 2006 cell revised) sent with a hostile Content-Disposition file name.
    http.server.set(ROUTE, REVISED, "csv")
    http.server.faults[http.upload_path(ROUTE)] = hf.respond(
        200,
        REVISED,
        {"Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="../../../evil_cd.csv"'},
    )
    done = http.refresh(warehouse, INCOME)
    assert done.status == "loaded", done
    assert done.candidate.landed_path.name == f"{done.release_id}.csv"
    assert done.candidate.landed_path.parent == warehouse.settings.landing_dir / INCOME.id
    assert set(done.candidate.frame["source_file"]) == {f"{done.release_id}.csv"}
    _no_file_named(tmp_path, "evil")


def test_url_path_is_never_used_as_a_path(warehouse, http, tmp_path):
    # The 302 points at an upload path full of traversal (raw and percent-encoded) and a file name.
    http.server.set(ROUTE, REVISED, "csv")
    hostile = "/upload/..%2F..%2F..%2Fevil_url.csv"
    http.server.faults[ROUTE] = hf.redirect(hostile)
    http.server.faults[hostile] = hf.respond(200, REVISED, {"Content-Type": "text/csv"})
    done = http.refresh(warehouse, INCOME)
    assert done.status == "loaded", done
    assert done.url.endswith(hostile)  # recorded as the source URL, as text
    assert done.candidate.landed_path == warehouse.settings.landing_dir / INCOME.id / f"{done.release_id}.csv"
    _no_file_named(tmp_path, "evil")
    assert_clean_rerun(warehouse, INCOME, snapshot_source(), expect=("loaded",))


# --- servers bind to loopback; no secrets ---------------------------------------------------------


def _repository_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    binary = (".xlsx", ".xls", ".parquet", ".png", ".duckdb", ".pyc", ".gz", ".zip")
    return [REPO_ROOT / f for f in listed if not f.endswith(binary) and (REPO_ROOT / f).is_file()]


ALL_INTERFACES = "0.0.0." + "0"  # spelled in two pieces so this file does not match itself


def test_ui_and_servers_bind_to_loopback_by_default():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert re.search(r"dagster dev .*--host 127\.0\.0\.1", makefile)
    binds_everywhere = re.compile(r"""\(\(\s*(['"])\1\s*,|--host[ =]+(0\.0\.0\.0|::)\b|\b0\.0\.0\.0\b""")
    offenders = []
    for path in _repository_files():
        if path.suffix not in (".py", ".yaml", ".yml", ".toml", ".cfg", ".sh") and path.name != "Makefile":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if ALL_INTERFACES in text or binds_everywhere.search(text):
            offenders.append(str(path.relative_to(REPO_ROOT)))
    assert not offenders, f"binds to all interfaces: {offenders}"


SECRET_PATTERNS = {
    "AWS access key": r"\bA[KS]IA[0-9A-Z]{16}\b",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    "Slack token": r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "credentials in a URL": r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s:@'\"]+@",
    "password/secret/token assignment": (
        r"(?i)\b(?:password|passwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)\b"
        r"\s*[:=]\s*['\"][^'\"\s]{8,}['\"]"
    ),
}


def test_no_secrets_in_the_repository():
    found = []
    for path in _repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for what, pattern in SECRET_PATTERNS.items():
            for match in re.finditer(pattern, text):
                line = text[: match.start()].count("\n") + 1
                found.append(f"{path.relative_to(REPO_ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_landing_names_are_content_hashes_only(warehouse):
    # Every landed file of the session's real run is <sha256 of its bytes>.<catalog extension>.
    import hashlib

    for path in warehouse.settings.landing_dir.rglob("*"):
        if path.is_file():
            dataset = get(path.parent.name)
            assert path.name == f"{hashlib.sha256(path.read_bytes()).hexdigest()}.{dataset.extension}"


def test_a_dataset_without_a_known_route_is_never_guessed_at(http):
    # life_expectancy has no public machine route: the HTTP source refuses it without a request.
    with pytest.raises(FetchError, match=r"\[life_expectancy\].*no live URL is known"):
        http.source().fetch(get("life_expectancy"))
    assert http.server.hits == []
