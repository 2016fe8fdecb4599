"""kabar.toml + KABAR_* variables: precedence, sources, paths, thresholds; one-line errors naming the key."""

import subprocess
import sys
from pathlib import Path

import pytest

from kabar import config, settings
from kabar.config import ConfigError, load
from kabar.health import Thresholds

SITES = ("antara", "tempo")


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    """No KABAR_* variable of the caller's, and a working folder without kabar.toml."""
    for name in [n for n in __import__("os").environ if n.startswith("KABAR_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults():
    found = load(known_sites=SITES)
    assert found.home == Path("kabar-data")
    assert (found.warehouse, found.archive) == (
        Path("kabar-data/warehouse.sqlite"),
        Path("kabar-data/archive"),
    )
    assert found.user_agent.startswith("kabar/") and found.contact is None
    assert (found.delay, found.workers, found.sites, found.health) == (None, 4, SITES, Thresholds())
    assert found.writer_threads == 1
    assert {source for _, _, source in found.entries()} == {"default"}


def test_the_file_in_the_working_folder(tmp_path):
    write(
        tmp_path / "kabar.toml",
        'home = "data"\nworkers = 8\ndelay = 2\nsites = ["tempo"]\ncontact = "ops@example.org"\n'
        "writer_threads = 3\n"
        "[health]\nmax_issue_rate = 0.3\nbaseline_runs = 3\n",
    )
    found = load(known_sites=SITES)
    assert found.home == tmp_path / "data"  # relative to the file's folder
    assert found.warehouse == tmp_path / "data" / "warehouse.sqlite"
    assert (found.workers, found.delay, found.sites, found.writer_threads) == (8, 2.0, ("tempo",), 3)
    assert found.user_agent.endswith("; ops@example.org)")
    assert (found.health.max_issue_rate, found.health.baseline_runs) == (0.3, 3)
    sources = {key: source for key, _, source in found.entries()}
    assert sources["workers"] == "kabar.toml" and sources["health.max_issue_rate"] == "kabar.toml"
    assert sources["archive"] == "default" and sources["health.max_empty_body_rate"] == "default"


def test_variables_win_over_the_file(tmp_path, monkeypatch):
    other = write(tmp_path / "elsewhere.toml", 'workers = 8\nwarehouse = "/srv/w.sqlite"\n')
    monkeypatch.setenv("KABAR_CONFIG", str(other))
    monkeypatch.setenv("KABAR_WORKERS", "2")
    monkeypatch.setenv("KABAR_SITES", "antara, tempo")
    monkeypatch.setenv("KABAR_HEALTH_MAX_ISSUE_RATE", "0.5")
    found = load(known_sites=SITES)
    assert (found.workers, found.warehouse, found.sites) == (2, Path("/srv/w.sqlite"), SITES)
    assert found.health.max_issue_rate == 0.5
    sources = {key: source for key, _, source in found.entries()}
    assert sources["workers"] == "KABAR_WORKERS" and sources["warehouse"] == str(other)
    assert sources["health.max_issue_rate"] == "KABAR_HEALTH_MAX_ISSUE_RATE"


def test_kabar_home_moves_the_default_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("KABAR_HOME", str(tmp_path / "h"))
    assert settings.warehouse_path() == tmp_path / "h" / "warehouse.sqlite"
    assert settings.archive_dir() == tmp_path / "h" / "archive"
    assert settings.demo_warehouse_path() == tmp_path / "h" / "demo.sqlite"
    monkeypatch.setenv("KABAR_WAREHOUSE", str(tmp_path / "w.sqlite"))  # read at each call
    assert settings.warehouse_path() == tmp_path / "w.sqlite"


def test_the_contact_goes_inside_the_user_agent_comment():
    assert config.identify("bot/1 (+https://x)", "a@b.c") == "bot/1 (+https://x; a@b.c)"
    assert config.identify("bot/1", "a@b.c") == "bot/1 (a@b.c)"
    assert config.identify("bot/1", None) == "bot/1"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param('workers = "x"', 'kabar.toml: workers: must be a positive integer, got "x"', id="word"),
        pytest.param("workers = 0", "kabar.toml: workers: must be a positive integer, got 0", id="zero"),
        pytest.param("workers = 1.5", "kabar.toml: workers: must be a positive integer", id="fraction"),
        pytest.param("writer_threads = 0", "kabar.toml: writer_threads: must be a positive", id="threads"),
        pytest.param("delay = -1", "kabar.toml: delay: must be a number of seconds", id="negative-delay"),
        pytest.param("delay = nan", "kabar.toml: delay:", id="nan-delay"),
        pytest.param('sites = ["nope"]', "kabar.toml: sites: must name sites among antara, tempo", id="site"),
        pytest.param("sites = []", "kabar.toml: sites:", id="no-site"),
        pytest.param("home = 3", "kabar.toml: home: must be a path", id="home-number"),
        pytest.param('user_agent = "a\\nb"', "kabar.toml: user_agent: must be text on one line", id="ua"),
        pytest.param("[health]\nmax_issue_rate = 2", "kabar.toml: health.max_issue_rate:", id="rate"),
        pytest.param(
            "[health]\nbaseline_runs = -1", "kabar.toml: health.baseline_runs: must be a whole", id="count"
        ),
        pytest.param(
            "[health]\nmax_nonsense = 1", "kabar.toml: health.max_nonsense: unknown key", id="h-key"
        ),
        pytest.param("wrkers = 4", "kabar.toml: wrkers: unknown key", id="unknown-key"),
        pytest.param("health = 1", "kabar.toml: health: must be a table", id="health-scalar"),
        pytest.param("workers = ", "kabar.toml: not valid TOML", id="bad-toml"),
    ],
)
def test_a_bad_file_value_is_one_line_naming_the_key(tmp_path, text, says):
    write(tmp_path / "kabar.toml", text + "\n")
    with pytest.raises(ConfigError) as error:
        load(known_sites=SITES)
    message = str(error.value)
    assert message.startswith(says) and "\n" not in message


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("KABAR_WORKERS", "x", 'KABAR_WORKERS: must be a positive integer, got "x"'),
        ("KABAR_DELAY", "sebentar", "KABAR_DELAY: must be a number of seconds"),
        ("KABAR_SITES", "tempo,nope", "KABAR_SITES: must name sites"),
        ("KABAR_HEALTH_MAX_ISSUE_RATE", "-0.1", "KABAR_HEALTH_MAX_ISSUE_RATE: must be a number from 0 to 1"),
        ("KABAR_HEALTH_MAX_ISUE_RATE", "0.1", "KABAR_HEALTH_MAX_ISUE_RATE: unknown health threshold"),
        ("KABAR_CONFIG", "/nonexistent/kabar.toml", "KABAR_CONFIG: no such file"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load(known_sites=SITES)
    assert str(error.value).startswith(says)


def _kabar(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith("KABAR_")}
    command = [sys.executable, "-m", "kabar.cli", *args]
    return subprocess.run(command, cwd=cwd, env=clean | env, capture_output=True, text=True, timeout=60)


def test_kabar_config_prints_each_value_and_its_source(tmp_path):
    write(tmp_path / "kabar.toml", "workers = 8\n")
    done = _kabar("config", cwd=tmp_path, env={"KABAR_DELAY": "0.5"})
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "8" in lines["workers"] and "kabar.toml" in lines["workers"]
    assert "0.5" in lines["delay"] and "KABAR_DELAY" in lines["delay"]
    assert "default" in lines["home"] and "health.max_issue_rate" in lines
    assert "antara" in lines["sites"] and "tempo" in lines["sites"]


def test_kabar_config_with_a_bad_value_exits_2_in_one_line(tmp_path):
    write(tmp_path / "kabar.toml", 'workers = "x"\n')
    done = _kabar("config", cwd=tmp_path, env={})
    assert done.returncode == 2
    assert done.stderr.splitlines() == ['kabar: kabar.toml: workers: must be a positive integer, got "x"']
    assert done.stdout == ""
