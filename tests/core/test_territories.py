import pytest

from marketplace.core.identifiers import is_valid_siret, make_siret
from marketplace.core.territories import departement_from_postal_code, departements, is_eligible


@pytest.mark.parametrize(
    ("postal_code", "code", "region"),
    [
        ("38000", "38", "Auvergne-Rhône-Alpes"),
        ("69007", "69", "Auvergne-Rhône-Alpes"),
        ("01000", "01", "Auvergne-Rhône-Alpes"),
        ("75011", "75", "Île-de-France"),
        ("20000", "2A", "Corse"),
        ("20200", "2B", "Corse"),
        ("97400", "974", "La Réunion"),
    ],
)
def test_postal_code_to_departement(postal_code, code, region):
    dep = departement_from_postal_code(postal_code)
    assert dep is not None
    assert (dep.code, dep.region) == (code, region)


@pytest.mark.parametrize("bad", ["", "3800", "ABCDE", "380000", None])
def test_bad_postal_codes(bad):
    assert departement_from_postal_code(bad) is None


def test_all_departements_are_shipped(app):
    assert len(departements()) == 101
    eligible = app.config["ELIGIBLE_DEPARTEMENTS"]
    assert len(eligible) == 12
    assert all(departements()[c].region == "Auvergne-Rhône-Alpes" for c in eligible)
    assert is_eligible("38", eligible) and not is_eligible("75", eligible)


def test_siret_validation_uses_the_luhn_key():
    assert is_valid_siret("73282932000074")
    assert not is_valid_siret("73282932000075")
    assert not is_valid_siret("1234")
    assert all(is_valid_siret(make_siret(n)) for n in range(100, 200))
