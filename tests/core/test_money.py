import pytest

from marketplace.core.money import (
    MoneyError,
    allocate,
    format_money,
    format_rate,
    gross_from_net,
    parse_amount,
    percentage,
    vat_from_gross,
)


def test_format_money_in_french_and_english():
    assert format_money(1250, "fr") == "12,50\xa0€"
    assert format_money(123456789, "fr") == "1\u202f234\u202f567,89\xa0€"
    assert format_money(1250, "en") == "€12.50"
    assert format_money(None) == ""


def test_money_filter_uses_the_request_locale(app, client):
    with app.test_request_context("/"):
        template = app.jinja_env.from_string("{{ 1250|money }}")
        assert template.render() == "12,50\xa0€"


@pytest.mark.parametrize(
    ("text", "cents"),
    [("12,50", 1250), ("12.5", 1250), ("1 234,00 €", 123400), ("0", 0), ("3", 300), (7, 700)],
)
def test_parse_amount(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["douze", "1,234", "", "1.2.3"])
def test_parse_amount_refuses_garbage(text):
    with pytest.raises(MoneyError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("gross", "rate", "net", "vat"),
    [(1200, 2000, 1000, 200), (1055, 550, 1000, 55), (100, 2000, 83, 17), (1, 2000, 1, 0), (1021, 210, 1000, 21)],
)
def test_vat_split_adds_up(gross, rate, net, vat):
    assert vat_from_gross(gross, rate) == (net, vat)
    assert net + vat == gross


def test_gross_from_net_rounds_half_up():
    assert gross_from_net(1000, 550) == 1055
    assert gross_from_net(10, 550) == 11  # 0.55 cent of VAT rounds up


def test_percentage_rounds_half_up():
    assert percentage(1000, 500) == 50
    assert percentage(1010, 500) == 51  # 50.5 → 51
    assert percentage(1009, 500) == 50


def test_allocate_loses_no_cent():
    shares = allocate(1000, [1, 1, 1])
    assert sum(shares) == 1000
    assert sorted(shares) == [333, 333, 334]
    with pytest.raises(MoneyError):
        allocate(10, [])


def test_format_rate():
    assert format_rate(550, "fr") == "5,5\xa0%"
    assert format_rate(2000, "fr") == "20\xa0%"
