"""The README is a contract: its snippet is the shipped conf, its handler
and environment tables match the code, and every `sh` example runs as
printed, in order, against a fresh `make run` (its sandbox).

A `# {...}` (or `# 201 {...}`) comment right after a command is that
command's answer; `#  ` lines continue it. A string with `...` matches any
string starting with what precedes the dots; anything else must be equal.
"""
import json
import os
import re
import shlex
import subprocess
import sys

from conftest import ROOT

README = os.path.join(ROOT, "README.md")
EXPECT = re.compile(r"^# (?:(\d{3}) )?([\[{].*)$")
CONTINUE = re.compile(r"^#\s{2,}(\S.*)$")


def readme():
    with open(README, encoding="utf-8") as f:
        return f.read()


def section(text, heading):
    start = text.index(heading + "\n")
    nxt = re.search(r"^## ", text[start + len(heading):], re.M)
    return text[start:start + len(heading) + nxt.start()] if nxt else text[start:]


def blocks(text, lang):
    return re.findall(r"^```" + lang + r"\n(.*?)^```$", text, re.M | re.S)


def conf(name):
    with open(os.path.join(ROOT, "conf", name), encoding="utf-8") as f:
        return f.read()


# -- the documents agree with the code --------------------------------------

def test_the_snippet_is_the_shipped_conf():
    snippet = blocks(section(readme(), "## httpd.conf snippet"), "apache")[0]
    assert snippet == conf("gamehoney-api.conf")


def test_every_handler_is_in_the_table():
    table = section(readme(), "## Configuration reference")
    documented = set(re.findall(r"^\| `(gamehoney-[a-z-]+)` \|", table, re.M))
    code = set()
    for name in os.listdir(os.path.join(ROOT, "modules")):
        if name.startswith("area_") and name.endswith(".c"):
            with open(os.path.join(ROOT, "modules", name)) as f:
                code.update("gamehoney-" + n for n in
                            re.findall(r'gh_area_t gh_area_\w+ = \{\s*"([a-z-]+)"', f.read()))
    assert code and documented == code


def env_table():
    """(variables, directives) of each row of the README's Environment table."""
    text = section(readme(), "## Two commands")
    table = text[text.index("### Environment"):]
    rows = []
    for line in table.splitlines():
        cells = line.split(" | ")
        if line.startswith("| `") and len(cells) == 3:
            rows.append((re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]),
                         re.findall(r"`((?:GameHoney|DBD)\w+)`", cells[1])))
    return rows


def test_every_environment_variable_reaches_its_directive():
    text = conf("gamehoney-api.conf")
    rows = env_table()
    assert len(rows) >= 15
    for variables, directives in rows:
        for var in variables:
            hits = [d for d in directives if re.search(
                rf'^\s*{d}\s+(?:"[^"\n]*"\s+)?"\$\{{{var}\}}"', text, re.M)]
            assert hits, f"{var} reaches none of {directives} in conf/gamehoney-api.conf"
    named = {v for vs, _ in rows for v in vs}
    from conftest import CONF_VARIABLES
    in_conf = set(CONF_VARIABLES) - {"GAMEHONEY_ROOT", "GAMEHONEY_VAR", "GAMEHONEY_LISTEN",
                                     "GAMEHONEY_USER", "GAMEHONEY_GROUP", "GAMEHONEY_MODULE"}
    assert in_conf <= named, f"variables the conf reads but README does not name: {in_conf - named}"


# -- the examples run ---------------------------------------------------------

PRELUDE = r"""
set -euo pipefail
curl() {      # the real curl; keeps each answer and fails on HTTP >= 400
  local n; n=$(( $(cat "$GH_OUT/n") + 1 )); echo "$n" > "$GH_OUT/n"
  command curl -sS -o "$GH_OUT/$n.body" -w '%{http_code}' "$@" > "$GH_OUT/$n.status"
  cat "$GH_OUT/$n.body"; echo
  echo "$n" > "$GH_OUT/last"
  [ "$(cat "$GH_OUT/$n.status")" -lt 400 ] || { echo "HTTP $(cat "$GH_OUT/$n.status"): curl $*" >&2; return 22; }
}
expect() { /usr/bin/python3 "$GH_CHECK" "$GH_OUT" "$1"; }
"""


def script(text, port, var):
    lines, out = [], []
    for block in blocks(section(text, "## Endpoints"), "sh"):
        lines += block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = EXPECT.match(line)
        if m:
            expected = [line[2:]]
            while i + 1 < len(lines) and CONTINUE.match(lines[i + 1]):
                i += 1
                expected.append(CONTINUE.match(lines[i]).group(1))
            out.append("expect " + shlex.quote(" ".join(expected)))
        else:
            out.append(line)
        i += 1
    body = "\n".join(out).replace("127.0.0.1:8080", f"127.0.0.1:{port}")
    body = re.sub(r"(?<![\w/.-])var/", var + "/", body)
    return PRELUDE + body + "\n"


def matches(expected, actual, where="$"):
    if isinstance(expected, str) and "..." in expected:
        prefix = expected.split("...")[0]
        assert isinstance(actual, str) and actual.startswith(prefix), f"{where}: {actual!r}"
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), \
            f"{where}: keys {sorted(actual) if isinstance(actual, dict) else actual!r}"
        for k in expected:
            matches(expected[k], actual[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for n, (e, a) in enumerate(zip(expected, actual)):
            matches(e, a, f"{where}[{n}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def check(out_dir, expected_text):
    """The last answer against one `# ...` line (run by the script's expect)."""
    with open(os.path.join(out_dir, "last")) as f:
        n = f.read().strip()
    with open(os.path.join(out_dir, f"{n}.status")) as f:
        status = int(f.read())
    with open(os.path.join(out_dir, f"{n}.body"), encoding="utf-8") as f:
        body = f.read()
    m = EXPECT.match("# " + expected_text)
    want_status = int(m.group(1)) if m.group(1) else 200
    assert status == want_status, f"status {status}, not {want_status}: {body}"
    matches(json.loads(m.group(2)), json.loads(body))


def test_every_example_runs_against_make_run(workdir):
    from make_run_helpers import MakeRun

    var = os.path.join(workdir, "readme-var")
    out = os.path.join(workdir, "readme-answers")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "n"), "w") as f:
        f.write("0")
    with MakeRun(var) as run:
        text = script(readme(), run.port, var)
        with open(os.path.join(workdir, "readme.sh"), "w", encoding="utf-8") as f:
            f.write(text)
        env = dict(run.env, GH_OUT=out, GH_CHECK=os.path.abspath(__file__))
        r = subprocess.run(["bash", os.path.join(workdir, "readme.sh")], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
        problems = run.error_log_problems()
    with open(os.path.join(out, "n")) as f:
        assert int(f.read()) >= 30          # every example ran, not just the first ones
    assert problems == []


if __name__ == "__main__":
    try:
        check(sys.argv[1], sys.argv[2])
    except AssertionError as e:
        print(f"README answer differs from `# {sys.argv[2]}`: {e}", file=sys.stderr)
        sys.exit(1)
