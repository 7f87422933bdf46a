"""Every module has a place in the layers that `lint-imports` (run by `make test`) checks."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = {
    contract["id"]: contract
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}
# Neither domain nor pages: app configuration, schema history, ops commands run by hand.
OUTSIDE_THE_LAYERS = {"apps", "migrations", "management"}


def modules(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1 and parts[1] not in OUTSIDE_THE_LAYERS:
            found.add(".".join(parts))
    return found


def covered_by(module: str, names: list[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


def test_every_module_of_the_apps_is_domain_or_web():
    domain = CONTRACTS["domain"]["source_modules"]
    web = CONTRACTS["domain"]["forbidden_modules"]
    every = (
        modules("partnerships")
        | modules("measures")
        | modules("notifications")
        | modules("funding")
    )
    for module in sorted(every):
        assert covered_by(module, domain) != covered_by(module, web), (
            f"{module}: add it to the domain or the web layer in pyproject.toml"
        )


def test_the_site_shell_is_web():
    assert "aktive" in CONTRACTS["domain"]["forbidden_modules"]


def test_neither_measures_nor_partnerships_import_notifications():
    contract = CONTRACTS["notifications"]
    assert set(contract["source_modules"]) == {"partnerships", "measures"}
    assert contract["forbidden_modules"] == ["notifications"]


def test_partnerships_domain_is_all_of_its_domain_modules():
    domain = {m for m in CONTRACTS["domain"]["source_modules"] if m.startswith("partnerships.")}
    assert domain <= set(CONTRACTS["direction"]["source_modules"])


def test_neither_measures_nor_partnerships_import_funding():
    contract = CONTRACTS["funding"]
    assert set(contract["source_modules"]) == {"partnerships", "measures"}
    assert contract["forbidden_modules"] == ["funding"]
