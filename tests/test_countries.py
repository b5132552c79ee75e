import pytest

from rootcauses.countries import country_name, to_iso3
from rootcauses.errors import CheckError


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("GUATEMALA", "GTM"),
        ("El Salvador", "SLV"),
        ("HN", "HND"),
        ("MEX", "MEX"),
        ("CHINA, PEOPLES REPUBLIC OF", "CHN"),
        ("China, People's Republic", "CHN"),
        ("MYANMAR (BURMA)", "MMR"),
        ("Korea, South", "KOR"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("OTHER", "OTHER"),
        ("Unknown", "XXX"),
        ("Kosovo", "XKX"),
        ("ROM", "ROU"),  # legacy codes (World Bank WGI, TI)
        ("ZAR", "COD"),
        ("ksv", "XKX"),
        ("WBG", "PSE"),
    ],
)
def test_names_normalise_to_iso3(name: str, code: str) -> None:
    assert to_iso3(name) == code


def test_legacy_codes_are_not_current_codes() -> None:
    from rootcauses.countries import LEGACY_ISO3, _codes

    assert not set(LEGACY_ISO3) & set(_codes())
    assert set(LEGACY_ISO3.values()) <= set(_codes())


def test_unknown_names_fail_loudly() -> None:
    with pytest.raises(CheckError, match=r"Atlantis.*file\.csv"):
        to_iso3("Atlantis", where="file.csv")


def test_names_for_codes() -> None:
    assert country_name("SLV") == "El Salvador"
    assert country_name("OTHER") == "Other countries"
